"""YAML loading that remembers where every key and value is (line/column per path tuple).

Paths are tuples of keys and list indices, e.g. ("workflow", "groups", 0, "tasks", 1, "image").
`Positions.value[path]` is where the value starts, `Positions.key[path]` where its key is written.
Lines and columns are 0-based here; `simulator.common.locate` turns them into file locations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from simulator import inputs

Path = tuple[Any, ...]
_STR = "tag:yaml.org,2002:str"

_Loader: type[Any] = inputs.Loader
"""libyaml when available: the 10,000-task benchmark needs its speed; marks are the same."""


@dataclass
class Positions:
    value: dict[Path, tuple[int, int]] = field(default_factory=dict)
    key: dict[Path, tuple[int, int]] = field(default_factory=dict)

    def of(self, path: Path, *, prefer_key: bool = False) -> tuple[int, int] | None:
        """Position of `path`, or of its closest recorded ancestor."""
        path = tuple(path)
        while True:
            tables = (self.key, self.value) if prefer_key else (self.value, self.key)
            for table in tables:
                if path in table:
                    return table[path]
            if not path:
                return None
            path = path[:-1]


class YamlError(Exception):
    """A YAML syntax error with PyYAML's text and the (0-based) position it reported."""

    def __init__(self, text: str, line: int | None, column: int | None) -> None:
        super().__init__(text)
        self.text = text
        self.line = line
        self.column = column


def load(text: str) -> tuple[Any, Positions]:
    """Parse one YAML document, returning plain data (as `yaml.safe_load`) and positions."""
    loader = _Loader(text)
    try:
        node = inputs.single_node(loader, text)  # control characters located, nesting bounded
        positions = Positions()
        data = _build(loader, node, (), positions, {}) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line if mark is not None else None
        column = mark.column if mark is not None else None
        raise YamlError(str(exc), line, column) from None
    except RecursionError:
        raise YamlError("the document nests too deeply", None, None) from None
    finally:
        loader.dispose()
    return data, positions


def _build(
    loader: Any, node: yaml.Node, path: Path, positions: Positions, memo: dict[int, Any]
) -> Any:
    positions.value[path] = (node.start_mark.line, node.start_mark.column)
    if id(node) in memo:  # an alias: share the object as safe_load does (no exponential copies)
        return memo[id(node)]
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)  # resolves `<<` merge keys as safe_load does
        mapping: dict[Any, Any] = {}
        memo[id(node)] = mapping
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    "found unhashable key",
                    key_node.start_mark,
                ) from None
            child = (*path, key)
            positions.key[child] = (key_node.start_mark.line, key_node.start_mark.column)
            mapping[key] = _build(loader, value_node, child, positions, memo)
        return mapping
    if isinstance(node, yaml.SequenceNode):
        items: list[Any] = []
        memo[id(node)] = items
        items.extend(
            _build(loader, item, (*path, i), positions, memo) for i, item in enumerate(node.value)
        )
        return items
    if node.tag == _STR:  # the common case, without the constructor's bookkeeping
        return node.value
    value = loader.construct_object(node, deep=True)
    memo[id(node)] = value
    return value
