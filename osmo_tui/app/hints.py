"""Context-aware footer hints: the main screen's bindings, re-shown for what applies now (the
focused view, the selected task, the run's state; Pause reads Resume while paused)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.binding import BindingsMap
from textual.screen import Screen

from osmo_tui.app import keys, template_values

if TYPE_CHECKING:
    from osmo_tui.app.screens.main import MainScreen


PALETTE = 14
"""Footer cells taken by the palette hint (^p palette)."""
VIEW_KEYS = {"graph": 12, "tasks": 9}
"""Footer cells the focused view's own keys take (the graph's z Fold all, the table's sort)."""


def context(screen: MainScreen) -> keys.Context:
    from textual.widgets import TabbedContent

    session = screen.osmo.session
    run = session.run
    running = run is not None and not run.finished and run.can_cancel
    stepped = run is None or run.stepped
    tab = str(screen.query_one("#views", TabbedContent).active)
    return keys.Context(
        tab=tab,
        selected=screen.selected is not None,
        running=running,
        stepped=stepped,
        paused=screen.osmo.playback.paused,
        # scrubbed views rebuild their snapshot: only then look at it (the footer asks often)
        failed=bool(session.failed) if screen.scrub is None else _any_failed(screen),
        errors=bool(session.errors),
        simulated=session.request.backend_name == "sim" and session.request.path is not None,
        missing_values=bool(template_values.missing(session.errors)),
        events=bool(session.events),
        width=max(0, screen.size.width - PALETTE - VIEW_KEYS.get(tab, 0)),
    )


def _any_failed(screen: MainScreen) -> bool:
    snap = screen.view_snapshot()
    return snap is not None and any(t.status.failed for t in snap.tasks.values())


def refresh(screen: MainScreen) -> None:
    """Re-bind the screen's keys for the current context (only when it changed: cheap)."""
    ctx = context(screen)
    if getattr(screen, "_hint_context", None) == ctx:
        return
    screen._hint_context = ctx  # type: ignore[attr-defined]
    base = Screen._merged_bindings  # focus next/previous, copy: kept as they are
    inherited = [b for _key, b in base] if base is not None else []
    screen._bindings = BindingsMap([*inherited, *keys.bindings(ctx)])
    screen.refresh_bindings()
