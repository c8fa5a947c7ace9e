"""pydantic errors of the workflow models in OSMO's words (its class names, key hints)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from simulator.common import diagnostics
from simulator.common.diagnostics import SpecWarning
from simulator.common.locate import Locator
from simulator.errors import SpecError

__all__ = ["SpecWarning", "pydantic_errors"]

_OSMO_CLASS = {
    "GroupSpec": "TaskGroupSpec",
    "FileSpec": "File",
    "TaskInput": "TaskInputOutput",
    "URLInput": "URLInputOutput",
    "URLOutput": "URLInputOutput",
}
"""Our model names that differ from OSMO's, as pydantic messages name them."""


def _did_you_mean(key: Any) -> str:
    """A hint for a misspelt key (`comand` → `command`), from every field of the spec models."""
    import difflib

    from simulator.spec import models

    fields = {
        name
        for cls in vars(models).values()
        if isinstance(cls, type) and issubclass(cls, BaseModel)
        for name in cls.model_fields
    }
    if key in fields:  # a real field in the wrong place (`outputs: [{task: x}]`): no hint
        return ""
    close = difflib.get_close_matches(str(key), sorted(fields), n=1, cutoff=0.75)
    return f' (did you mean "{close[0]}"?)' if close else ""


def pydantic_errors(exc: ValidationError, data: Any, locator: Locator) -> list[SpecError]:
    """The workflow models' validation errors, located in the workflow file."""
    return diagnostics.pydantic_errors(
        exc, data, None, locator.file, locator=locator, class_names=_OSMO_CLASS, hint=_did_you_mean
    )
