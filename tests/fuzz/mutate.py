"""Mutations of seed files for fuzzing: byte and line edits plus hostile snippets and values
(bombs, control characters, huge or non-finite numbers, deep nesting), driven by a seeded
`random.Random` so that a failing case is reproducible from its seed alone."""

from __future__ import annotations

import random

SNIPPETS = [
    "{{", "}}", "{%", "%}", "{#", ": ", "- ", "\t", "'", '"', "[", "]", "{", "}", "\n", "  ",
    "&a ", "*a", "<<: *a", "!!binary", "!!python/object:os.system", "!!timestamp ", "? ",
    "{{output}}", "{{input:0}}", "{{host:x}}", "{{ x }}", "{% for i in range(3) %}",
    "{% endfor %}", "{% raw %}", "\x00", "\x1b[31m", "\x07", "\ufeff", "\u202e", "é", "🙂",
    "---\n", "...\n", "%YAML 1.1\n", "#", "|\n", ">-\n",
]  # fmt: skip
VALUES = [
    ".nan", ".inf", "-.inf", "-1", "0", "-0.0", "1e309", "0.0001", "999999999999999999999999",
    "9" * 5000, "0x" + "f" * 3000, "2020-99-99", "P99999999999D", "99999999999d", "1.5h",
    "10h5m", "true", "null", "~", "[]", "{}", "''", "x" * 5000, "8Ei", "1Pi", "-5Gi", "1e-30",
    "{{ 3**(3**17) }}", "{{ range(10**9)|list }}", "{{ 'a' * 10**10 }}", "{{ missing }}",
    "{{ [1] * 10**9 }}", "!!timestamp x", "!!bool x", "!!set {a: 1}", "!!binary [1]",
    "{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}"
    "{% endfor %}", "*undefined_alias", "&x [*x]", "[" * 150 + "]" * 150, "{a: " * 120 + "}" * 120,
]  # fmt: skip
_BOMB = "a: &a [x,x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 10) + "]\n"
    for i in range(9)
)


def _insert(rng: random.Random, text: str) -> str:
    at = rng.randrange(len(text) + 1)
    return text[:at] + rng.choice(SNIPPETS) + text[at:]


def _revalue(rng: random.Random, text: str) -> str:
    lines = text.split("\n")
    keyed = [i for i, line in enumerate(lines) if ": " in line or line.rstrip().endswith(":")]
    if not keyed:
        return _insert(rng, text)
    i = rng.choice(keyed)
    key = lines[i].split(":", 1)[0]
    lines[i] = f"{key}: {rng.choice(VALUES)}"
    return "\n".join(lines)


def _lines(rng: random.Random, text: str) -> str:
    lines = text.split("\n")
    a = rng.randrange(len(lines))
    b = min(len(lines), a + rng.randint(1, 4))
    action = rng.randrange(4)
    if action == 0:
        del lines[a:b]
    elif action == 1:
        lines[a:a] = lines[a:b]
    elif action == 2:
        lines[a] = " " * rng.choice([1, 2, 3, 4, 8]) + lines[a]
    else:
        lines[a] = lines[a].lstrip()
    return "\n".join(lines)


def _structure(rng: random.Random, text: str) -> str:
    action = rng.randrange(4)
    if action == 0:
        return text[: rng.randrange(len(text) + 1)]  # truncated
    if action == 1:
        return text + "\n" + _BOMB
    if action == 2:
        depth = rng.choice([50, 101, 300, 1200])
        return text + "\nnest: " + "[" * depth + "]" * depth + "\n"
    return "".join("  " * i + f"k{i}:\n" for i in range(rng.choice([120, 1100]))) + text


_TEXT_EDITS = (_insert, _revalue, _revalue, _lines, _structure)


def mutate(rng: random.Random, seed: str) -> bytes:
    """A few random edits of `seed`, as bytes (sometimes not valid UTF-8)."""
    text = seed or "\n"
    for _ in range(rng.randint(1, 3)):
        text = rng.choice(_TEXT_EDITS)(rng, text) or "\n"
    data = text.encode("utf-8", "surrogatepass")
    if rng.random() < 0.1:
        at = rng.randrange(len(data) + 1)
        data = data[:at] + bytes(rng.randrange(256) for _ in range(rng.randint(1, 4))) + data[at:]
    return data
