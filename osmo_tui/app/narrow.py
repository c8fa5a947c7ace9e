"""What narrows the views (a search, a status filter): which tasks it keeps, and what to say when
it keeps none.

The graph and the table decide per row; the timeline and the events list take the set of
matching tasks, worked out once per search or filter change (`matching`), not per frame.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style

from osmo_tui.app import style as st
from simulator.engine.snapshot import RunSnapshot

NOTE = Style(color="grey70", italic=True)
MATCH = Style(color="yellow", bold=True)
"""`2 match` on a folded group (graph and timeline alike)."""


def narrowing(search: str, status_filter: str) -> bool:
    return bool(search) or status_filter != "all"


def matching(snap: RunSnapshot | None, search: str, status_filter: str) -> set[str] | None:
    """The tasks a search (in a task's or its group's name) and a status filter keep; None when
    nothing narrows the views. O(tasks)."""
    if snap is None or not narrowing(search, status_filter):
        return None
    needle = search.lower()
    return {
        t.name
        for t in snap.tasks.values()
        if st.matches_filter(t.status, status_filter)
        and (not needle or needle in t.name.lower() or needle in t.group.lower())
    }


def groups_of(snap: RunSnapshot, tasks: Iterable[str]) -> set[str]:
    return {snap.tasks[t].group for t in tasks if t in snap.tasks}


def empty_note(search: str, status_filter: str) -> str:
    """Why a view shows nothing and how to get out:
    `no active task matches 'x' · f: next filter · esc: clear search and filter`."""
    kind = "" if status_filter == "all" else f"{status_filter} "
    if search:
        why = f"no {kind}task matches {search!r}"
    elif status_filter == "waiting":
        why = "no task is waiting"
    else:
        why = f"no task is {status_filter}"
    clear = "clear search" if status_filter == "all" else "clear search and filter"
    if not search:
        clear = "show all"
    return f"{why} · f: next filter · esc: {clear}"


def centred(text: str, width: int, style: Style = NOTE) -> list[Segment]:
    """`text` in the middle of `width` cells (cut at the right when it does not fit)."""
    pad = max(0, (width - cell_len(text)) // 2)
    return [Segment(" " * pad), Segment(st.fit(text, max(width - pad, 1)), style)]
