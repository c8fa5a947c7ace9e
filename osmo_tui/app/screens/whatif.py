"""WhatIfDialog: what should the selected task do instead (fail, be preempted, take longer)?"""

from __future__ import annotations

from pathlib import Path

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, RadioButton, RadioSet, Static

from osmo_tui.app.screens.dialogs import Dialog
from osmo_tui.app.whatif import Kind, WhatIf

CHOICES: tuple[tuple[Kind, str], ...] = (
    ("fail", "fail with the exit code below"),
    ("preempt", "be preempted (FAILED_PREEMPTED)"),
    ("slow", "take the seconds below"),
    ("none", "do what the scenario says (drop the what-if)"),
)


class WhatIfDialog(Dialog):
    """Answers (WhatIf, save path or None), or None on escape."""

    BINDINGS = [
        Binding("escape", "close", "Close", show=False),
        Binding("ctrl+s", "submit", "Apply", show=False),
        Binding("enter", "submit", "Apply", show=False, priority=True),
    ]

    def __init__(self, suggested: WhatIf, save_as: Path) -> None:
        super().__init__()
        self.suggested = suggested
        self.save_as = save_as

    def compose(self) -> ComposeResult:
        what = self.suggested
        with Vertical(id="whatif"):
            yield Label(f"What if {escape(what.task)} would…", classes="title")
            with RadioSet(id="whatif-kind"):
                for kind, text in CHOICES:
                    yield RadioButton(text, value=kind == what.kind, name=kind)
            with Horizontal(classes="field"):
                yield Label("exit code ")
                yield Input(str(what.exit_code), id="whatif-code", type="integer")
            with Horizontal(classes="field"):
                yield Label("seconds   ")
                yield Input(f"{what.duration:g}", id="whatif-seconds", type="number")
            yield Label("save as scenario file (empty: do not save)")
            yield Input("", placeholder=str(self.save_as), id="whatif-save")
            yield Static("enter: re-simulate   escape: cancel", classes="hint")

    def action_submit(self) -> None:
        kind = self._kind()
        try:
            code = int(self.query_one("#whatif-code", Input).value or 1)
            seconds = float(self.query_one("#whatif-seconds", Input).value or 60)
        except ValueError:
            self.notify("exit code: a whole number; seconds: a number", severity="error")
            return
        if not 0 <= code <= 4000 or not 0 <= seconds < 1e9:
            self.notify("exit code: 0 to 4000; seconds: 0 or more", severity="error")
            return
        save = self.query_one("#whatif-save", Input).value.strip()
        what = WhatIf(self.suggested.task, kind, code, seconds)
        self.dismiss((what, Path(save) if save else None))

    def on_mount(self) -> None:
        radio = self.query_one(RadioSet)
        radio._selected = radio.pressed_index  # arrows move on from the current choice

    def _kind(self) -> Kind:
        """The choice last highlighted with the arrows (then enter, or tab on to a value),
        else the pressed one."""
        radio = self.query_one(RadioSet)
        index = radio._selected
        if index is None:
            index = radio.pressed_index
        return CHOICES[index][0] if 0 <= index < len(CHOICES) else self.suggested.kind

    def action_close(self) -> None:
        self.dismiss(None)
