"""TaskTable: one row per task (status, exit code, retries, times, placement, message), sortable.

Built on the Line API rather than DataTable: DataTable measures every cell of every new row
(1.2 s of frozen screen for 2,000 tasks); here a row costs nothing until it scrolls into view.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.cells import set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.strip import Strip

from osmo_tui.app import narrow
from osmo_tui.app import style as st
from osmo_tui.app.widgets import lines
from osmo_tui.app.widgets.lines import LinesView
from simulator.engine.snapshot import RunSnapshot, TaskState

COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("name", "Task", 22),
    ("status", "Status", 20),
    ("exit", "Exit", 4),
    ("retries", "Retry", 5),
    ("duration", "Duration", 8),
    ("message", "Message", 60),
    ("group", "Group", 14),
    ("start", "Start", 7),
    ("placement", "Placement", 14),
)
"""Default widths; the name, group and message columns fit their longest text (`_fit_columns`).
The message (why a task ended) comes right after the facts: at 80 columns it is on screen."""
NAME_WIDTH = (10, 40)
GROUP_WIDTH = (5, 24)
MESSAGE_WIDTH = (60, 120)
"""At least 60: messages arrive during the run, after the widths were fitted."""
SIDEWAYS = 8
"""Columns per left/right press (the Task column stays put)."""
SORT_KEYS: tuple[str, ...] = ("spec", "name", "group", "status", "start", "duration")
"""What `s` cycles through; `spec` is the workflow's own order."""
HEADER = Style(bold=True, underline=True)
CURSOR = Style(reverse=True)
PLAIN = Style()


class TaskTable(LinesView):
    """A sticky header line, then the shown tasks; the cursor row is the selection."""

    BINDINGS = [
        Binding("up,k", "move(-1)", show=False),
        Binding("down,j", "move(1)", show=False),
        Binding("pageup", "move(-20)", show=False),
        Binding("pagedown", "move(20)", show=False),
        Binding("home", "move(-1000000)", show=False),
        Binding("end", "move(1000000)", show=False),
        Binding("enter", "activate", show=False),
        Binding("left,h", "sideways(-1)", "Scroll left", show=False),
        Binding("right,l", "sideways(1)", "Scroll right", show=False),
        Binding("o", "cycle_sort", "Order"),
    ]

    class TaskSelected(lines.TaskSelected):
        """The table's cursor moved onto a task (or enter or a double click on it)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.snapshot: RunSnapshot | None = None
        self.status_filter = "all"
        self.search = ""
        self.sort_key = "spec"
        self.shown: list[str] = []
        self.cursor = 0
        self.columns: list[tuple[str, str, int]] = list(COLUMNS)
        self._width = sum(w + 1 for _k, _l, w in COLUMNS)
        self._fitted: object = None
        """The snapshot the column widths were fitted to."""

    # --- data --------------------------------------------------------------------------------

    def show(self, snapshot: RunSnapshot) -> None:
        self.snapshot = snapshot
        self.rebuild()

    def rebuild(self) -> None:
        """Re-select and re-sort the rows (filter, search or sort changed, or a new run)."""
        snap = self.snapshot
        if snap is None:
            return
        current = self.current_task
        needle = self.search.lower()
        names = [
            t.name
            for t in snap.tasks.values()
            if st.matches_filter(t.status, self.status_filter)
            and (not needle or needle in t.name.lower() or needle in t.group.lower())
        ]
        if self.sort_key != "spec":
            names.sort(key=self._sorter())
        if self._fitted is not snap:
            self._fit_columns(snap)
        self.shown = names
        self.set_size(self._width, len(names) + 1)
        self.cursor = names.index(current) if current in names else min(self.cursor, len(names) - 1)
        self.cursor = max(self.cursor, 0)
        self.refresh()

    def updated(self, changed: set[str]) -> None:
        """Statuses changed: re-select/re-sort only when a filter or sort depends on them."""
        if self.status_filter != "all" or self.sort_key in ("status", "start", "duration"):
            self.rebuild()
        else:
            self.refresh()

    def _fit_columns(self, snap: RunSnapshot) -> None:
        """Widths from the longest name, group and message (O(tasks), per new snapshot)."""
        self._fitted = snap

        def fit(cells: int, bounds: tuple[int, int]) -> int:
            return max(bounds[0], min(bounds[1], cells))

        tasks = snap.tasks.values()
        name = fit(max((len(t.name) for t in tasks), default=0) + 2, NAME_WIDTH)
        group = fit(max((len(g) for g in snap.groups), default=0), GROUP_WIDTH)
        message = fit(max((len(t.message or _reused(t)) for t in tasks), default=0), MESSAGE_WIDTH)
        widths = {"name": name, "group": group, "message": message}
        self.columns = [(k, label, widths.get(k, w)) for k, label, w in COLUMNS]
        self._width = sum(w + 1 for _k, _l, w in self.columns)

    def _sorter(self) -> Callable[[str], Any]:
        snap = self.snapshot
        assert snap is not None
        order = {name: i for i, name in enumerate(snap.tasks)}
        tasks = snap.tasks
        key = self.sort_key
        if key == "name":
            return lambda n: n
        if key == "group":
            return lambda n: (tasks[n].group, order[n])
        if key == "status":
            return lambda n: (str(tasks[n].status), order[n])
        if key == "start":
            return lambda n: (tasks[n].start_time is None, tasks[n].start_time or 0.0, order[n])
        return lambda n: (-(_duration(tasks[n], snap.time) or 0.0), order[n])

    @property
    def row_count(self) -> int:
        return len(self.shown)

    @property
    def current_task(self) -> str | None:
        return self.shown[self.cursor] if 0 <= self.cursor < len(self.shown) else None

    # --- rendering ---------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        """The Task column stays put; the others scroll sideways under it."""
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width or self.size.width
        if y == 0:
            segments = self._header()
        else:
            index = scroll_y + y - 1
            if index >= len(self.shown):
                note = self.empty_note()
                height = self.scrollable_content_region.height or self.size.height
                if note and y == max(1, height // 2):
                    strip = Strip(narrow.centred(note, width)).apply_style(self.line_style)
                    return strip.crop_extend(0, width, self.line_style)
                return Strip.blank(width, self.line_style)
            segments = self._row(index)
        strip = Strip(segments).apply_style(self.line_style)
        frozen = self.columns[0][2] + 1
        if scroll_x <= 0 or width <= frozen:
            return strip.crop_extend(0, width, self.line_style)
        head = strip.crop(0, frozen)
        rest = strip.crop(frozen + scroll_x, frozen + scroll_x + width - frozen)
        return Strip.join([head, rest]).crop_extend(0, width, self.line_style)

    def empty_note(self) -> str:
        """Why a search or filter left no row, and the way out ("" when there are rows)."""
        if self.shown or self.snapshot is None:
            return ""
        if not narrow.narrowing(self.search, self.status_filter):
            return ""
        return narrow.empty_note(self.search, self.status_filter)

    def line(self, y: int) -> list[Segment]:
        return self._header() if y == 0 else self._row(y - 1)

    def _header(self) -> list[Segment]:
        out: list[Segment] = []
        for key, label, width in self.columns:
            text = label + (" ▾" if key == self.sort_key else "")
            out += [Segment(set_cell_size(text, width), HEADER), Segment(" ")]
        return out

    def _row(self, index: int) -> list[Segment]:
        snap = self.snapshot
        assert snap is not None
        task = snap.tasks[self.shown[index]]
        extra = CURSOR if index == self.cursor and self.has_focus else PLAIN
        if index == self.cursor and not self.has_focus:
            extra = Style(bgcolor="#303030")
        out: list[Segment] = []
        for (_key, _label, width), (text, style) in zip(
            self.columns, self._cells(task), strict=True
        ):
            out += [Segment(st.fit(text, width), style + extra), Segment(" ", extra)]
        return out

    def _cells(self, task: TaskState) -> list[tuple[str, Style]]:
        snap = self.snapshot
        assert snap is not None
        cells = {
            "name": (f"{'★' if task.lead else ' '} {task.name}", PLAIN),
            "group": (task.group, PLAIN),
            "status": (
                f"{st.REUSED if task.reused_from else st.symbol(task.status)} {task.status}",
                st.style(task.status),
            ),
            "exit": ("" if task.exit_code is None else str(task.exit_code), PLAIN),
            "retries": (str(task.retries) if task.retries else "", PLAIN),
            "start": ("" if task.start_time is None else st.duration(task.start_time), PLAIN),
            "duration": (st.duration(_duration(task, snap.time)), PLAIN),
            "placement": (task.node, PLAIN),
            "message": (task.message or _reused(task), PLAIN),
        }
        return [cells[key] for key, _label, _width in self.columns]

    # --- navigation --------------------------------------------------------------------------

    def action_move(self, delta: int) -> None:
        if not self.shown:
            return
        self.cursor = max(0, min(len(self.shown) - 1, self.cursor + delta))
        self._follow()
        name = self.current_task
        if name is not None:
            self.post_message(self.TaskSelected(self, name, activated=False))

    def action_sideways(self, direction: int) -> None:
        """Scroll the columns right of the Task column by SIDEWAYS cells."""
        width = self.scrollable_content_region.width or self.size.width
        limit = max(0, self._width - width)
        x = max(0, min(limit, self.scroll_offset.x + direction * SIDEWAYS))
        self.scroll_to(x=x, animate=False)
        self.refresh()

    def action_activate(self) -> None:
        name = self.current_task
        if name is not None:
            self.post_message(self.TaskSelected(self, name, activated=True))

    def action_cycle_sort(self) -> None:
        self.sort_key = SORT_KEYS[(SORT_KEYS.index(self.sort_key) + 1) % len(SORT_KEYS)]
        self.rebuild()
        self._follow()
        self.notify(f"Tasks sorted by {self.sort_key}", timeout=2)

    def select_task(self, name: str) -> None:
        if name in self.shown:
            self.cursor = self.shown.index(name)
            self._follow()

    def _follow(self) -> None:
        """Keep the cursor row visible below the sticky header."""
        top = self.scroll_offset.y
        rows = max(1, self.size.height - 1)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + rows:
            self.scroll_to(y=self.cursor - rows + 1, animate=False)
        self.refresh()

    def on_click(self, event: events.Click) -> None:
        """A click selects the row under the pointer; a double click opens the task."""
        if event.y < 1:
            return
        index = event.y - 1 + self.scroll_offset.y
        if 0 <= index < len(self.shown):
            self.cursor = index
            self.refresh()
            name = self.shown[index]
            self.post_message(self.TaskSelected(self, name, activated=event.chain >= 2))

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()


def _reused(task: TaskState) -> str:
    return f"reused from {task.reused_from}" if task.reused_from else ""


def _duration(task: TaskState, now: float) -> float | None:
    if task.start_time is None:
        return None
    end = task.end_time if task.end_time is not None else now
    return max(0.0, end - task.start_time)
