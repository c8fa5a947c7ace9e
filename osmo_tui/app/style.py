"""Status colours and symbols shared by every widget (one place, so the views agree)."""

from __future__ import annotations

from rich.cells import cell_len, set_cell_size
from rich.style import Style

from simulator.engine.status import TaskStatus, WorkflowStatus

SYMBOLS: dict[str, str] = {
    "SUBMITTING": "·",
    "WAITING": "·",
    "PROCESSING": "·",
    "PENDING": "·",
    "SCHEDULING": "◌",
    "INITIALIZING": "◐",
    "RUNNING": "▶",
    "COMPLETED": "✔",
    "RESCHEDULED": "↻",
    "FAILED_UPSTREAM": "⇡",
    "FAILED_CANCELED": "⊘",
}
"""Single-cell symbols only: wide glyphs would break column alignment at 80x24."""
REUSED = "↺"
"""A task not run: its result was restored from an earlier run (docs/reuse.md)."""

COLOURS: dict[str, str] = {
    "SCHEDULING": "#d7af00",
    "INITIALIZING": "#00afaf",
    "RUNNING": "#5f87ff",
    "COMPLETED": "#3fb950",
    "RESCHEDULED": "#c678dd",
    "FAILED_UPSTREAM": "#d75f5f",
    "FAILED_CANCELED": "#ff8700",
}
"""Hex, not names: Textual's markup does not know Rich's names (grey62...) and looking them up
costs a fuzzy-match per parse (10 ms per header update)."""
FAILED = "#ff5f5f"
MUTED = "#9e9e9e"

_STYLE_CACHE: dict[str, Style] = {}


def symbol(status: TaskStatus | WorkflowStatus | str) -> str:
    value = str(status)
    if value in SYMBOLS:
        return SYMBOLS[value]
    return "✖" if value.startswith("FAILED") else "?"


def colour(status: TaskStatus | WorkflowStatus | str) -> str:
    value = str(status)
    if value in COLOURS:
        return COLOURS[value]
    return FAILED if value.startswith("FAILED") else MUTED


def style(status: TaskStatus | WorkflowStatus | str, *, bold: bool = False) -> Style:
    """A cached rich Style for a status (render_line runs per visible line per refresh)."""
    key = f"{status}:{bold}"
    cached = _STYLE_CACHE.get(key)
    if cached is None:
        cached = _STYLE_CACHE[key] = Style(color=colour(status), bold=bold)
    return cached


def markup(status: TaskStatus | WorkflowStatus | str) -> str:
    """`[colour]✔ COMPLETED[/]` for Static/markup contexts."""
    return f"[{colour(status)}]{symbol(status)} {status}[/]"


STATUS_FILTERS: tuple[str, ...] = ("all", "active", "failed", "completed", "waiting")
"""What the status filter cycles through (`f`)."""


def matches_filter(status: TaskStatus, name: str) -> bool:
    """Whether a task in `status` passes the status filter called `name`."""
    if name == "active":
        return not status.finished and not status.prescheduling
    if name == "failed":
        return status.failed
    if name == "completed":
        return status is TaskStatus.COMPLETED
    if name == "waiting":
        return status.prescheduling
    return True


def duration(seconds: float | None) -> str:
    """Compact human duration: 42s, 3m05s, 2h04m."""
    if seconds is None:
        return ""
    s = round(seconds)
    if s < 60:
        return f"{seconds:.1f}s" if seconds < 10 and seconds != s else f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{(s % 3600) // 60:02d}m"


def fit(text: str, width: int) -> str:
    """`text` in exactly `width` cells; cut with an ellipsis, so two long names that share a
    prefix never look identical."""
    if width <= 0:
        return ""
    if cell_len(text) <= width:
        return set_cell_size(text, width)
    return set_cell_size(text, width - 1) + "…"
