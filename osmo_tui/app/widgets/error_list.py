"""ErrorList: the workflow's spec errors as `file:line:col: message`, one option each."""

from __future__ import annotations

from rich.markup import escape
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from simulator.errors import SpecError


class ErrorList(OptionList):
    """The highlighted error is what `e` opens in $EDITOR."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.errors: list[SpecError] = []

    def show(self, errors: list[SpecError]) -> None:
        self.errors = list(errors)
        self.clear_options()
        self.add_options(Option(_label(e)) for e in self.errors)
        if self.errors:
            self.highlighted = 0

    @property
    def current(self) -> SpecError | None:
        if self.highlighted is None or not self.errors:
            return None
        return self.errors[min(self.highlighted, len(self.errors) - 1)]


def _label(error: SpecError) -> str:
    where = str(error.location) if error.location is not None else "(workflow)"
    return f"[b #ff5f5f]{escape(where)}[/]: {escape(error.message)}"
