"""HelpScreen: every key of the app (with the user's overrides applied) and a legend of glyphs."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from osmo_tui.app.keys import KEYS, LEGEND, WIDGET_KEYS, config_path

_NAMES = {
    "question_mark": "?",
    "space": "space",
    "plus": "+",
    "equals_sign": "=",
    "minus": "-",
    "left_square_bracket": "[",
    "right_square_bracket": "]",
    "left_curly_bracket": "{",
    "right_curly_bracket": "}",
    "slash": "/",
}


def pretty_keys(keys: str) -> str:
    return ", ".join(_NAMES.get(k.strip(), k.strip()) for k in keys.split(","))


def help_table(keymap: dict[str, str]) -> Table:
    table = Table(box=None, show_header=True, header_style="bold", padding=(0, 2, 0, 0))
    table.add_column("Key", style="bold cyan", no_wrap=True)
    table.add_column("Does")
    for key_id, keys, _action, desc in KEYS:
        table.add_row(pretty_keys(keymap.get(f"osmo.{key_id}", keys)), desc)
    for keys, desc in WIDGET_KEYS:
        table.add_row(keys, desc)
    return table


def legend_table() -> Table:
    """Every glyph the views draw and what it means."""
    table = Table(box=None, show_header=True, header_style="bold", padding=(0, 2, 0, 0))
    table.add_column("Glyph", style="bold", no_wrap=True)
    table.add_column("Means")
    for glyph, meaning in LEGEND:
        table.add_row(glyph, meaning)
    return table


class HelpScreen(ModalScreen[None]):
    """`?`: a table of keys; escape, q or ? closes it."""

    BINDINGS = [Binding("escape,q,question_mark", "close", "Close")]

    def __init__(self, keymap: dict[str, str]) -> None:
        super().__init__()
        self.keymap = keymap

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static("[b]osmo-tui keys[/b]\n")
            yield Static(help_table(self.keymap))
            yield Static("\n[b]Legend[/b]\n")
            yield Static(legend_table())
            yield Static(
                f"\nOverride any key in {config_path() / 'keys.toml'} as "
                '[keys] <id> = "<key>" (ids: ' + ", ".join(k[0] for k in KEYS) + ")."
            )

    def action_close(self) -> None:
        self.dismiss(None)
