"""ErrorList: the workflow's spec errors (and warnings) as `file:line:col: message`, one per line."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rich.markup import escape
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from simulator.errors import Location


@dataclass(frozen=True)
class Problem:
    """One line of the list; `e` opens the highlighted one's location in $EDITOR."""

    severity: str
    """error or warning."""
    message: str
    location: Location | None = None


class ErrorList(OptionList):
    """Errors first (the workflow is invalid), then warnings (spec and run)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.problems: list[Problem] = []
        self.dismissed: list[Problem] | None = None
        """Warnings hidden by escape; shown again when they change (errors are never hidden)."""

    def show(self, errors: Iterable[Any], warnings: Iterable[Any] = ()) -> None:
        """`errors`/`warnings`: objects with `message` and `location`, or plain strings."""
        problems = [_problem("error", e) for e in errors] + [
            _problem("warning", w) for w in warnings
        ]
        hidden = self.dismissed is not None and problems == self.dismissed
        self.display = bool(problems) and not hidden
        if problems == self.problems:
            return
        self.problems = problems
        self.clear_options()
        self.add_options(Option(_label(p)) for p in problems)
        if problems:
            self.highlighted = 0
        n_err = sum(p.severity == "error" for p in problems)
        n_warn = len(problems) - n_err
        parts = [f"{n_err} error(s)" if n_err else "", f"{n_warn} warning(s)" if n_warn else ""]
        hint = " — e opens $EDITOR at the line" + ("" if n_err else ", esc hides")
        self.border_title = ", ".join(p for p in parts if p) + hint
        self.set_class(n_err == 0, "-warnings-only")

    def dismiss(self) -> None:
        """Hide the warnings (only warnings: errors stay until fixed)."""
        if not self.errors:
            self.dismissed = list(self.problems)
            self.display = False

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def current(self) -> Problem | None:
        if self.highlighted is None or not self.problems:
            return None
        return self.problems[min(self.highlighted, len(self.problems) - 1)]


def _problem(severity: str, item: Any) -> Problem:
    if isinstance(item, str):
        return Problem(severity, item)
    return Problem(severity, str(item.message), getattr(item, "location", None))


def _label(problem: Problem) -> str:
    where = str(problem.location) if problem.location is not None else "(workflow)"
    colour = "#ff5f5f" if problem.severity == "error" else "#d7af00"
    return f"[b {colour}]{escape(where)}[/]: {escape(problem.message)}"
