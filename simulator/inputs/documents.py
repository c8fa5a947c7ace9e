"""YAML and JSON-like text from a user: one loader whose errors are located (control characters,
bad scalar values) and a budget on nesting and aliases (no billion laughs, no RecursionError)."""

from __future__ import annotations

from typing import Any

import yaml

from simulator.inputs.files import MAX_DEPTH

MAX_ALIAS_VALUES = 1_000_000
"""Values that aliases may add on top of the document as written (a billion laughs adds 10^9)."""
MAX_INT_BITS = 4096
"""Integers beyond this (1,234 digits) are no quantity, count or time anyone means."""


class YamlBudgetError(yaml.MarkedYAMLError):
    """A YAML problem found after parsing (nesting, aliases) or a reader error given a mark, so
    every caller's `problem_mark` handling locates it."""


_BaseLoader: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Loader(_BaseLoader):  # type: ignore[misc,unused-ignore]  # (PyYAML is untyped)
    """libyaml's safe loader (speed; same marks), whose value errors are located YAML errors:
    `2020-99-99` (a timestamp) or a 5,000-digit integer raise ValueError in PyYAML."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        kind = str(node.tag).rsplit(":", 1)[-1]
        try:
            value = super().construct_object(node, deep=deep)
        except (ValueError, OverflowError, AttributeError, KeyError, TypeError) as exc:
            # PyYAML's scalar constructors fail with these on bad explicit tags too:
            # `!!timestamp x` (AttributeError), `!!bool x` (KeyError)
            reason = str(exc).split(";")[0] if isinstance(exc, ValueError | OverflowError) else ""
            problem = f"cannot read this {kind} value" + (f": {reason}" if reason else "")
            raise _budget(node, problem) from None
        if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
            # 0x-integers escape Python's digit limit, but every str() of them would fail later
            raise _budget(node, f"this {kind} has more than {MAX_INT_BITS} bits")
        return value


def single_node(loader: Any, text: str) -> yaml.Node | None:
    """`loader.get_single_node()` with control-character errors located and the budget checked."""
    try:
        node: yaml.Node | None = loader.get_single_node()
    except yaml.reader.ReaderError as exc:
        raise _reader_error(exc, text) from None
    if node is not None:
        check_node(node)
    return node


def load_yaml(text: str) -> Any:
    """`yaml.safe_load` within the budget; raises yaml.YAMLError (located where possible)."""
    loader = Loader(text)
    try:
        node = single_node(loader, text)
        return None if node is None else loader.construct_document(node)
    finally:
        loader.dispose()


def mark_at(text: str, index: int) -> yaml.Mark:
    """A PyYAML mark (0-based line and column) for a character index of `text`."""
    line = text.count("\n", 0, index)
    column = index - (text.rfind("\n", 0, index) + 1)
    return yaml.Mark("<unicode string>", index, line, column, None, 0)


def _reader_error(exc: yaml.reader.ReaderError, text: str) -> YamlBudgetError:
    # libyaml reports a byte offset into the UTF-8 text; the mark wants a character index
    index = len(text.encode("utf-8")[: exc.position].decode("utf-8", "ignore"))
    problem = f"unacceptable character #x{exc.character:04x}: {exc.reason}"
    if isinstance(exc.character, bytes):
        problem = f"invalid byte: {exc.reason}"
    return YamlBudgetError(problem=problem, problem_mark=mark_at(text, index))


def _budget(node: yaml.Node, problem: str) -> YamlBudgetError:
    return YamlBudgetError(problem=problem, problem_mark=node.start_mark)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return list(node.value)


def check_node(root: yaml.Node) -> None:
    """Refuse a composed document that nests deeper than MAX_DEPTH (also through aliases),
    whose aliases add more than MAX_ALIAS_VALUES values, or whose aliases are recursive.
    Iterative, and each node is walked once: a bomb is refused in time linear in its text."""
    if not _plain_tree(root):
        _check_aliases(root)


def _plain_tree(root: yaml.Node) -> bool:
    """Check the depth of a document without aliases (the common case, in one quick walk);
    False as soon as a node shows up twice, for `_check_aliases` to do the full work."""
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if id(node) in seen:
            return False
        seen.add(id(node))
        if isinstance(node.value, str):
            continue
        if depth > MAX_DEPTH:
            raise _budget(node, f"the document nests deeper than {MAX_DEPTH} levels")
        for item in node.value:
            if isinstance(item, tuple):
                stack.append((item[0], depth + 1))
                stack.append((item[1], depth + 1))
            else:
                stack.append((item, depth + 1))
    return True


def _check_aliases(root: yaml.Node) -> None:
    sizes: dict[int, tuple[int, int]] = {}  # node -> (values once expanded, nesting height)
    opened: set[int] = set()
    added = 0
    stack: list[tuple[yaml.Node, int, yaml.Node | None]] = [(root, 1, None)]
    while stack:
        node, depth, parent = stack.pop()
        key = id(node)
        if depth < 0:  # the closing visit, after every child
            kids = [sizes[id(kid)] for kid in _children(node)]
            height = 1 + max((k[1] for k in kids), default=0)
            if height > MAX_DEPTH:
                raise _budget(node, f"the document nests deeper than {MAX_DEPTH} levels")
            sizes[key] = (1 + sum(k[0] for k in kids), height)
            opened.discard(key)
            continue
        seen = sizes.get(key)
        if seen is not None:  # an alias of a finished node: it adds its whole expansion again
            added += seen[0]
            if added > MAX_ALIAS_VALUES:
                message = f"aliases expand to more than {MAX_ALIAS_VALUES:,} values"
                raise _budget(parent or node, message)
        elif isinstance(node.value, str):  # a scalar
            sizes[key] = _SCALAR
        elif key in opened:
            raise _budget(parent or node, "an alias refers to a value that contains it")
        elif depth > MAX_DEPTH:
            raise _budget(node, f"the document nests deeper than {MAX_DEPTH} levels")
        else:
            opened.add(key)
            stack.append((node, -1, parent))
            stack.extend((kid, depth + 1, node) for kid in reversed(_children(node)))


_SCALAR = (1, 1)


def bracket_nesting(text: str, limit: int = MAX_DEPTH) -> tuple[int, int] | None:
    """1-based (line, column) where `[`/`{` nesting first exceeds `limit` in TOML or JSON text
    (strings skipped), else None: their parsers recurse per level and die of RecursionError."""
    if text.count("[") + text.count("{") <= limit:
        return None
    depth, quote, escaped = 0, "", False
    for index, char in enumerate(text):
        if quote:
            if escaped:
                escaped = False
            elif char == "\\" and quote == '"':
                escaped = True
            elif char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char in "[{":
            depth += 1
            if depth > limit:
                mark = mark_at(text, index)
                return mark.line + 1, mark.column + 1
        elif char in "]}":
            depth -= 1
    return None
