"""pydantic errors turned into one-line messages at file locations, and located warnings."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from simulator.common.yamlpos import Path, Positions
from simulator.errors import Location, SpecError

_TAGS = {"str", "int", "float", "bool", "list", "dict", "function-after", "function-before"}
_INSTANCE_OF = re.compile(r"instance of (\w+)$")


@dataclass
class SpecWarning:
    """Something OSMO accepts but the user should hear about (one line, with a location)."""

    message: str
    location: Location | None = None

    def render(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message


def _resolve(data: Any, loc: tuple[Any, ...]) -> tuple[Path, list[Any]]:
    """Follow pydantic's `loc` through the data; union tags (`TaskInput`, `str`) are skipped.

    Returns the deepest existing path and the remaining loc items (e.g. a missing field).
    """
    path: list[Any] = []
    node = data
    rest: list[Any] = []
    for item in loc:
        if rest:
            rest.append(item)
        elif (isinstance(node, dict) and item in node) or (
            isinstance(node, list) and isinstance(item, int) and 0 <= item < len(node)
        ):
            path.append(item)
            node = node[item]
        elif isinstance(node, dict) and any(str(k) == str(item) for k in node):
            key = next(k for k in node if str(k) == str(item))  # YAML int keys, str in loc
            path.append(key)
            node = node[key]
        elif isinstance(item, str) and (item[:1].isupper() or "[" in item or item in _TAGS):
            continue  # a union member or validator tag, not a key of the document
        else:
            rest.append(item)
    return tuple(path), rest


def _dotted(items: list[Any]) -> str:
    return ".".join(str(i) for i in items)


def pydantic_errors(
    exc: ValidationError,
    data: Any,
    positions: Positions | None,
    file: str,
    *,
    locator: Any = None,
    class_names: Mapping[str, str] | None = None,
    hint: Callable[[Any], str] | None = None,
) -> list[SpecError]:
    """One SpecError per pydantic error, OSMO's text, deduplicated, in source order.

    Custom validators' messages are OSMO's own (`Value error, ` dropped); generic pydantic
    messages are prefixed with the field path as OSMO's pydantic output shows it. `class_names`
    renames model classes in messages; `hint(key)` adds to an unknown-key error (e.g. a guess).
    """
    from simulator.common.locate import Locator

    loc_of = locator or Locator(file, positions)
    names = class_names or {}
    seen: set[tuple[str, str]] = set()
    found: list[tuple[tuple[int, int, int], SpecError]] = []
    for order, err in enumerate(exc.errors(include_url=False)):
        path, rest = _resolve(data, tuple(err["loc"]))
        msg = _INSTANCE_OF.sub(lambda m: f"instance of {names.get(m[1], m[1])}", str(err["msg"]))
        if err["type"] == "value_error":
            message = msg.removeprefix("Value error, ")
        elif err["type"] == "assertion_error":
            message = msg.removeprefix("Assertion failed, ")
        else:
            message = f"{_dotted([*path, *rest])}: {msg}"
        if err["type"] == "extra_forbidden" and path and hint is not None:
            message += hint(path[-1])
        on_key = err["type"] in ("extra_forbidden", "missing") or bool(rest)
        location: Location = loc_of.of(path, key=on_key)
        key = (message, str(location))
        if key in seen:
            continue
        seen.add(key)
        found.append(
            ((location.line or 0, location.column or 0, order), SpecError(message, location))
        )
    found.sort(key=lambda pair: pair[0])
    return [error for _, error in found]
