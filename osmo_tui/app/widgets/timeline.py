"""Timeline: a Gantt chart of groups and their tasks over the run's time, one row each."""

from __future__ import annotations

from rich.cells import set_cell_size
from rich.segment import Segment
from rich.style import Style

from osmo_tui.app import style as st
from osmo_tui.app.widgets.lines import LinesView
from simulator.engine.snapshot import RunSnapshot

LABEL = 24
AXIS = Style(color="grey58")


class Timeline(LinesView):
    """Row 0 is the time axis; then each group followed by its tasks."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.snapshot: RunSnapshot | None = None
        self.phases: dict[str, dict[str, float]] = {}
        """Per task: when it started SCHEDULING and INITIALIZING (drawn ░ and ▒ before █)."""
        self.rows: list[tuple[str, str]] = []
        """(kind, name): kind is group or task."""

    def show(
        self, snapshot: RunSnapshot, phases: dict[str, dict[str, float]] | None = None
    ) -> None:
        self.snapshot = snapshot
        if phases is not None:
            self.phases = phases
        self.rows = []
        for group in snapshot.groups.values():
            self.rows.append(("group", group.name))
            self.rows.extend(("task", t) for t in group.tasks)
        self.set_size(0, len(self.rows) + 1)
        self.refresh()

    def updated(self) -> None:
        self.refresh()

    @property
    def span(self) -> float:
        snap = self.snapshot
        if snap is None:
            return 1.0
        return max(snap.time, snap.end_time or 0.0, 1e-9)

    def _bar_width(self) -> int:
        return max(10, self.size.width - LABEL - 2)

    def line(self, y: int) -> list[Segment]:
        snap = self.snapshot
        width = self._bar_width()
        if snap is None:
            return []
        if y == 0:
            left, right = "0s", st.duration(self.span) or "0s"
            axis = left + " " * max(1, width - len(left) - len(right)) + right
            return [Segment(" " * LABEL + "  "), Segment(axis, AXIS)]
        kind, name = self.rows[y - 1]
        if kind == "group":
            g = snap.groups[name]
            label = set_cell_size(f"{st.symbol(g.status)} {name}", LABEL)
            bar = self._bar(g.start_time, g.end_time, str(g.status), width, "▀")
            return [Segment(label, st.style(g.status, bold=True)), Segment("  "), *bar]
        t = snap.tasks[name]
        label = set_cell_size(f"  {'★' if t.lead else ' '}{name}", LABEL)
        bar = self._task_bar(name, width)
        return [Segment(label, st.style(t.status)), Segment("  "), *bar]

    def _task_bar(self, name: str, width: int) -> list[Segment]:
        """░ waiting for a node, ▒ pulling/initializing, █ running (in the status colour)."""
        assert self.snapshot is not None
        task, now = self.snapshot.tasks[name], self.snapshot.time
        phases = self.phases.get(name, {})
        if phases.get("retry", 0) != task.retries:
            phases = {}
        marks: list[tuple[float, str, str]] = [
            (at, char, status)
            for key, char, status in (
                ("SCHEDULING", "░", "SCHEDULING"),
                ("INITIALIZING", "▒", "INITIALIZING"),
            )
            if (at := phases.get(key)) is not None and at <= now
        ]
        if task.start_time is not None:
            marks.append((task.start_time, "█", str(task.status)))
        if not marks:
            return []
        stop = task.end_time if task.end_time is not None else now
        span, out, used = self.span, [], 0
        for i, (at, char, status) in enumerate(marks):
            until = marks[i + 1][0] if i + 1 < len(marks) else stop
            a = max(used, min(width - 1, round(at / span * width)))  # one rounding for all
            b = max(a + (1 if i == len(marks) - 1 else 0), min(width, round(until / span * width)))
            if a > used:
                out.append(Segment(" " * (a - used)))
            if b > a:
                out.append(Segment(char * (b - a), st.style(status)))
            used = max(used, b)
        return out

    def _bar(
        self, start: float | None, end: float | None, status: str, width: int, char: str
    ) -> list[Segment]:
        if start is None:
            return []
        assert self.snapshot is not None
        span = self.span
        stop = end if end is not None else self.snapshot.time
        a = min(width - 1, round(start / span * width))
        b = max(a + 1, min(width, round(stop / span * width)))
        return [Segment(" " * a), Segment(char * (b - a), st.style(status))]
