"""pydantic errors turned into OSMO's messages at file locations; warnings of the spec layer."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from simulator.errors import Location, SpecError
from simulator.spec.yamlpos import Path, Positions

_TAGS = {"str", "int", "float", "bool", "list", "dict", "function-after", "function-before"}
_OSMO_CLASS = {
    "GroupSpec": "TaskGroupSpec",
    "FileSpec": "File",
    "TaskInput": "TaskInputOutput",
    "URLInput": "URLInputOutput",
    "URLOutput": "URLInputOutput",
}
"""Our model names that differ from OSMO's, as pydantic messages name them."""
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


def _did_you_mean(key: Any) -> str:
    """A hint for a misspelt key (`comand` → `command`), from every field of the spec models."""
    import difflib

    from simulator.spec import models

    fields = {
        name
        for cls in vars(models).values()
        if isinstance(cls, type) and issubclass(cls, models.BaseModel)
        for name in cls.model_fields
    }
    if key in fields:  # a real field in the wrong place (`outputs: [{task: x}]`): no hint
        return ""
    close = difflib.get_close_matches(str(key), sorted(fields), n=1, cutoff=0.75)
    return f' (did you mean "{close[0]}"?)' if close else ""


def _dotted(items: list[Any]) -> str:
    return ".".join(str(i) for i in items)


def pydantic_errors(
    exc: ValidationError,
    data: Any,
    positions: Positions | None,
    file: str,
    *,
    locator: Any = None,
) -> list[SpecError]:
    """One SpecError per pydantic error, OSMO's text, deduplicated, in source order.

    Custom validators' messages are OSMO's own (`Value error, ` dropped); generic pydantic
    messages are prefixed with the field path as OSMO's pydantic output shows it.
    """
    from simulator.spec.locate import Locator

    loc_of = locator or Locator(file, positions)
    seen: set[tuple[str, str]] = set()
    found: list[tuple[tuple[int, int, int], SpecError]] = []
    for order, err in enumerate(exc.errors(include_url=False)):
        path, rest = _resolve(data, tuple(err["loc"]))
        msg = _INSTANCE_OF.sub(
            lambda m: f"instance of {_OSMO_CLASS.get(m[1], m[1])}", str(err["msg"])
        )
        if err["type"] == "value_error":
            message = msg.removeprefix("Value error, ")
        elif err["type"] == "assertion_error":
            message = msg.removeprefix("Assertion failed, ")
        else:
            message = f"{_dotted([*path, *rest])}: {msg}"
        if err["type"] == "extra_forbidden" and path:
            message += _did_you_mean(path[-1])
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
