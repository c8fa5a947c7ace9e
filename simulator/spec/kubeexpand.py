"""Kubernetes' `$(VAR)` expansion, as the kubelet applies it to a container's env, command and args.

A port of k8s.io/kubernetes `third_party/forked/golang/expansion/expand.go` (the rune-aware
version) and of how the kubelet uses it (`makeEnvironmentVariables`,
`ExpandContainerCommandAndArgs`): OSMO runs every task as a pod container, so a workflow that
writes `args: ['$(FILE_PATH)']` relies on it. Rules:

* `$(NAME)` is replaced by NAME's value; NAME is everything up to the first `)` (so nested
  references are not expanded); an undefined NAME leaves `$(NAME)` as written.
* `$$` is an escaped `$`: `$$(VAR)` gives a literal `$(VAR)`, `$$$$` gives `$$`.
* `$(` with no closing `)` is kept as written; a `$` before anything else, or at the very end,
  is kept.
* Env values expand in declaration order from the variables declared before them (a later or
  undeclared one stays literal); command and args expand from the container's final env.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

OPERATOR = "$"
OPENER = "("
CLOSER = ")"

Lookup = Callable[[str], str]
"""Resolves a referenced name to its text (`MappingFuncFor`'s result)."""


def mapping_for(*contexts: Mapping[str, str]) -> Lookup:
    """Look a name up in each context in turn; unknown names stay wrapped as `$(NAME)`."""

    def lookup(name: str) -> str:
        for context in contexts:
            if name in context:
                return context[name]
        return f"{OPERATOR}{OPENER}{name}{CLOSER}"

    return lookup


def _read_reference(text: str, start: int) -> tuple[str, bool, int]:
    """What follows a `$` at `start - 1`: (text read, is a variable name, characters consumed)."""
    first = text[start]
    if first == OPERATOR:
        return OPERATOR, False, 1
    if first == OPENER:
        close = text.find(CLOSER, start + 1)
        if close >= 0:
            return text[start + 1 : close], True, close - start + 1
        return OPERATOR + OPENER, False, 1  # unterminated: keep `$(` and go on after it
    return OPERATOR + first, False, 1


def expand(text: str, mapping: Lookup) -> str:
    """`expansion.Expand`: replace the `$(NAME)` references of `text` through `mapping`."""
    if OPERATOR not in text:
        return text
    out: list[str] = []
    checkpoint = 0
    cursor = 0
    while cursor < len(text):
        if text[cursor] == OPERATOR and cursor + 1 < len(text):
            out.append(text[checkpoint:cursor])
            read, is_name, advance = _read_reference(text, cursor + 1)
            out.append(mapping(read) if is_name else read)
            cursor += advance
            checkpoint = cursor + 1
        cursor += 1
    out.append(text[checkpoint:])
    return "".join(out)


def expand_environment(
    environment: Iterable[tuple[str, str]], service: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The container's env as the kubelet resolves it: each value from those declared before it
    (then `service`, the cluster's service variables); a repeated name keeps the last value."""
    declared: dict[str, str] = {}
    lookup = mapping_for(declared, service or {})
    for name, value in environment:
        declared[name] = expand(value, lookup) if value else value
    return declared


def expand_argv(argv: Iterable[str], env: Mapping[str, str]) -> list[str]:
    """Command and args, each expanded from the container's final env."""
    lookup = mapping_for(env)
    return [expand(word, lookup) for word in argv]
