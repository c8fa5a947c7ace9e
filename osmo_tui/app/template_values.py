"""Template values from the app: a workflow that stops at "'storage_url' is undefined" asks for
the value (`t`, or by itself once per missing name), reloads with it as `--set` would, and the
session keeps it for every later reload and re-run."""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING

from simulator.errors import SpecError
from simulator.run import RunRequest

if TYPE_CHECKING:
    from osmo_tui.app.screens.main import MainScreen

UNDEFINED = re.compile(r"'(\w+)' is undefined")


def missing(errors: list[SpecError]) -> list[str]:
    """Names the template needs that no default or `--set` gave, in the order found."""
    names: list[str] = []
    for error in errors:
        for name in UNDEFINED.findall(error.message):
            if name not in names:
                names.append(name)
    return names


def given(request: RunRequest) -> dict[str, str]:
    """The request's `--set` / `--set-string` values as text, later ones winning."""
    out: dict[str, str] = {}
    for item in (*request.spec.set_values, *request.spec.set_strings):
        key, sep, value = item.partition("=")
        if sep:
            out[key] = value
    return out


def with_values(request: RunRequest, values: dict[str, str]) -> RunRequest:
    """The request with `values` as `--set K=V` (typed as --set types them), replacing any
    earlier value of the same names."""
    spec = request.spec
    keep = tuple(i for i in spec.set_values if i.partition("=")[0] not in values)
    strings = tuple(i for i in spec.set_strings if i.partition("=")[0] not in values)
    added = tuple(f"{k}={v}" for k, v in values.items())
    new_spec = dataclasses.replace(spec, set_values=keep + added, set_strings=strings)
    return dataclasses.replace(request, spec=new_spec)


def offer(screen: MainScreen) -> None:
    """Ask by itself when the last load stopped at a missing value not asked for yet."""
    names = missing(screen.osmo.session.errors)
    asked: set[str] = screen.__dict__.setdefault("_asked_values", set())
    if names and not set(names) <= asked:
        asked.update(names)
        prompt(screen)


def prompt(screen: MainScreen) -> None:
    """The form: the missing names (else every value given so far); enter reloads with them."""
    from osmo_tui.app.screens.dialogs import ValuesDialog

    session = screen.osmo.session
    known = given(session.request)
    names = missing(session.errors) or list(known)
    if not names:
        screen.notify("This workflow needs no template value", timeout=3)
        return
    hint = "Typed as --set types them (int, then float, then text); kept for this session."
    dialog = ValuesDialog("Template values", hint, names, known)

    def apply(answer: object) -> None:
        if not isinstance(answer, dict):
            return
        values = {str(k): str(v) for k, v in answer.items() if str(v) != ""}
        if not values:
            return
        session.use_request(with_values(session.request, values))
        screen.runs.reload()  # a next missing name (Jinja stops at the first) asks again

    screen.app.push_screen(dialog, apply)
