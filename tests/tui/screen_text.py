"""The app's screen as plain text (what a user sees), for readable assertions in pilot tests."""

from __future__ import annotations

import io

from rich.console import Console
from textual.app import App


def screen_text(app: App[object]) -> str:
    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        record=True,
        color_system=None,
        legacy_windows=False,
        safe_box=False,
    )
    stack = app._background_screens
    console.print(app.screen._compositor.render_update(full=True, screen_stack=stack))
    return console.export_text()
