"""Small modal dialogs: a yes/no confirmation, and a form of text fields (template values)."""

from __future__ import annotations

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

DIALOG_CSS = """
Dialog { align: center middle; background: $background 60%; }
Dialog > Vertical {
    width: 64; max-width: 95%; height: auto; max-height: 90%;
    border: thick $warning; background: $surface; padding: 0 1;
}
Dialog .title { text-style: bold; width: 100%; }
Dialog .hint { color: $text-muted; width: 100%; }
Dialog Input { width: 1fr; height: 1; border: none; padding: 0 1; background: $boost; }
Dialog Input:focus { border: none; background: $primary 40%; }
Dialog .field { height: 1; margin: 0 0 1 0; }
Dialog Label { margin: 1 0 0 0; }
Dialog .field Label { margin: 0; }
Dialog RadioSet { width: 100%; }
"""


class Dialog(ModalScreen[object]):
    """The shared frame: a bordered box in the middle of the screen, escape dismisses."""

    DEFAULT_CSS = DIALOG_CSS


class ConfirmDialog(Dialog):
    """`title` and `body`; y or enter answers True, n or escape False."""

    BINDINGS = [
        Binding("y,enter", "answer(True)", "Yes", show=False),
        Binding("n,escape", "answer(False)", "No", show=False),
    ]

    def __init__(self, title: str, body: str, yes: str = "yes") -> None:
        super().__init__()
        self.title_text = title
        self.body = body
        self.yes = yes

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm"):
            yield Label(escape(self.title_text), classes="title")
            yield Static(escape(self.body))
            yield Static(f"[b]y[/b]/enter: {escape(self.yes)}   [b]n[/b]/escape: keep going")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class ValuesDialog(Dialog):
    """One text field per name; enter on the last (or ctrl+s) answers {name: value}, escape
    answers None. Used for template values the workflow needs and `--set` did not give."""

    BINDINGS = [
        Binding("escape", "close", "Close", show=False),
        Binding("ctrl+s", "submit", "Apply", show=False),
    ]

    def __init__(self, title: str, hint: str, names: list[str], known: dict[str, str]) -> None:
        super().__init__()
        self.title_text = title
        self.hint = hint
        self.names = names
        self.known = known

    def compose(self) -> ComposeResult:
        with Vertical(id="values"):
            yield Label(escape(self.title_text), classes="title")
            yield Static(escape(self.hint), classes="hint")
            for name in self.names:
                yield Label(escape(name))
                yield Input(self.known.get(name, ""), placeholder="value", name=name)
            yield Static("enter: next / apply   escape: cancel", classes="hint")

    def on_input_submitted(self, message: Input.Submitted) -> None:
        fields = list(self.query(Input))
        index = fields.index(message.input)
        if index + 1 < len(fields):
            fields[index + 1].focus()
        else:
            self.action_submit()

    def action_submit(self) -> None:
        self.dismiss({str(field.name): field.value for field in self.query(Input)})

    def action_close(self) -> None:
        self.dismiss(None)
