"""The hand-made hostile corpus: for every kind of input, documents that are structurally
hostile (bombs, nesting, encodings, control characters, wrong shapes) and the kind's seed with
each value replaced by a hostile one. Generated, so its counts are exact and it stays in sync
with the seeds; `cases()` lists it, `special_paths()` adds files that are not regular files."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from tests.fuzz.kinds import KINDS
from tests.fuzz.mutate import _BOMB

CRITICAL_VALUES = [
    ".nan", ".inf", "-1", "1e309", "0.0001", "999999999999999999999999", "9" * 5000,
    "0x" + "f" * 3000, "2020-99-99", "[" * 150 + "]" * 150, "{{ 3**(3**17) }}", "&x [*x]",
    "!!timestamp x", "!!bool x",
]  # fmt: skip
"""Put in place of every value of every seed, one at a time."""


def _structural(seed: str) -> dict[str, bytes]:
    text = seed.encode()
    half = len(text) // 2
    return {
        "empty": b"",
        "blank": b"  \n\n\t\n",
        "comment": b"# nothing\n",
        "bom": b"\xef\xbb\xbf" + text,
        "nul": text[:half] + b"\x00" + text[half:],
        "esc": text[:half] + b"\x1b[2J" + text[half:],
        "bad_utf8_start": b"\xff\xfe" + text,
        "bad_utf8_middle": text[:half] + b"\xc3\x28" + text[half:],
        "utf16": seed.encode("utf-16"),
        "latin1": seed.replace("a", "é").encode("latin-1"),
        "truncated": text[:half],
        "billion_laughs": _BOMB.encode(),
        "laughs_appended": text + b"\n" + _BOMB.encode(),
        "recursive_alias": b"a: &a [*a]\n",
        "flow_150": b"a: " + b"[" * 150 + b"]" * 150 + b"\n",
        "flow_10000": b"a: " + b"[" * 10000 + b"]" * 10000 + b"\n",
        "block_1200": "".join("  " * i + f"k{i}:\n" for i in range(1200)).encode(),
        "alias_depth": "".join(f"a{i}: &a{i} [*a{i - 1}]\n" for i in range(1, 300))
        .replace("*a0", "x")
        .encode(),
        "huge_int": b"a: " + b"9" * 5000 + b"\n",
        "hex_int": b"a: 0x" + b"f" * 3000 + b"\n",
        "bad_timestamp": b"a: 2020-99-99\n",
        "python_tag": b"a: !!python/object/apply:os.system [id]\n",
        "bad_binary": b"a: !!binary x\n",
        "list_doc": b"- a\n- b\n",
        "scalar_doc": b"just a string\n",
        "two_docs": text + b"\n---\n" + text,
        "tabs": text.replace(b"  ", b"\t"),
        "unhashable_key": b"? [a]\n: b\n",
        "dup_keys": text + b"\n" + text,
        "long_line": b"a: " + b"x" * 2_000_000 + b"\n",
        "many_keys": "".join(f"k{i}: {i}\n" for i in range(50_000)).encode(),
        "toml_nest": b"a = " + b"[" * 5000 + b"]" * 5000 + b"\n",
        "json_nest": b"[" * 100_000 + b"]" * 100_000,
        "json_bigint": b'{"kind": "task_exited", "time": 1' + b"0" * 5000 + b"}\n",
    }


def _values(seed: str) -> dict[str, bytes]:
    lines = seed.split("\n")
    keyed = [
        i for i, line in enumerate(lines) if ": " in line and not line.lstrip().startswith("#")
    ]
    out: dict[str, bytes] = {}
    for i in keyed[:12]:
        for v, value in enumerate(CRITICAL_VALUES):
            changed = list(lines)
            changed[i] = changed[i].split(": ", 1)[0] + ": " + value
            out[f"line{i + 1}_value{v}"] = "\n".join(changed).encode()
    return out


def cases() -> Iterator[tuple[str, str, bytes]]:
    """(kind, case name, file contents) for the whole corpus, in a stable order."""
    for name, kind in KINDS.items():
        seed = kind.seeds()[0]
        for label, data in {**_structural(seed), **_values(seed)}.items():
            yield name, label, data


def special_paths(tmp: Path) -> dict[str, str]:
    """Paths that are no regular file: each kind must refuse them at once, without reading."""
    fifo = tmp / "fifo"
    if not fifo.exists():
        os.mkfifo(fifo)
    (tmp / "dir").mkdir(exist_ok=True)
    return {
        "fifo": str(fifo),
        "dev_zero": "/dev/zero",
        "dev_null": "/dev/null",
        "directory": str(tmp / "dir"),
        "missing": str(tmp / "missing.yaml"),
        "too_long": str(tmp / ("x" * 5000)),
        "long_component_chain": str(tmp / "/".join(["y" * 200] * 30)),
        "empty": "",
    }
