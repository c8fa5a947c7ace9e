"""TaskTable: one row per task (status, exit code, retries, times, placement, message), sortable."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable

from osmo_tui.app import style as st
from simulator.engine.snapshot import RunSnapshot, TaskState

COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("name", "Task", 22),
    ("group", "Group", 14),
    ("status", "Status", 19),
    ("exit", "Exit", 4),
    ("retries", "Retry", 5),
    ("start", "Start", 7),
    ("duration", "Duration", 8),
    ("placement", "Placement", 14),
    ("message", "Message", 48),
)
"""Fixed widths: measuring auto-width columns costs a pass over every row per update
(33 s instead of 0.6 s for a 400-task run)."""
SORT_KEYS: tuple[str, ...] = ("spec", "name", "group", "status", "start", "duration")
"""What `s` cycles through; `spec` is the workflow's own order."""


class TaskTable(DataTable[str | Text]):
    """Rows follow the snapshot; only changed tasks' cells are rewritten on an update."""

    BINDINGS = [Binding("s", "cycle_sort", "Sort")]

    class TaskSelected(Message):
        def __init__(self, table: TaskTable, task: str, activated: bool) -> None:
            super().__init__()
            self.table, self.task, self.activated = table, task, activated

        @property
        def control(self) -> TaskTable:
            return self.table

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.snapshot: RunSnapshot | None = None
        self.status_filter = "all"
        self.search = ""
        self.sort_key = "spec"
        self._shown: list[str] = []
        self.shown_in_tab = False
        """Set by the screen: while the table's tab is hidden, rebuilds wait until it is shown
        (DataTable measures every cell of new rows: ~0.3 s for 400 tasks)."""
        self._stale = False

    def on_mount(self) -> None:
        for key, label, width in COLUMNS:
            self.add_column(label, key=key, width=width)

    def show(self, snapshot: RunSnapshot) -> None:
        """A new run (or scrub position): same tasks as shown -> rewrite cells, else rebuild."""
        same = self.snapshot is not None and list(self.snapshot.tasks) == list(snapshot.tasks)
        self.snapshot = snapshot
        if same and not self._stale and self.status_filter == "all" and self.sort_key == "spec":
            self.updated(set(self._shown))
        else:
            self.rebuild()

    def set_shown(self, shown: bool) -> None:
        self.shown_in_tab = shown
        if shown and self._stale:
            self.rebuild()

    def rebuild(self) -> None:
        """Re-select and re-sort the rows (filter, search or sort changed, or a new run)."""
        snap = self.snapshot
        if snap is None:
            return
        if not self.shown_in_tab:
            self._stale = True
            return
        self._stale = False
        current = self.current_task
        self.clear()
        needle = self.search.lower()
        names = [
            t.name
            for t in snap.tasks.values()
            if st.matches_filter(t.status, self.status_filter)
            and (not needle or needle in t.name.lower() or needle in t.group.lower())
        ]
        names.sort(key=self._sorter())
        self._shown = names
        for name in names:
            self.add_row(*self._cells(snap.tasks[name]), key=name)
        if current in names:
            self.move_cursor(row=names.index(current), scroll=True)

    def _sorter(self) -> Callable[[str], Any]:
        snap = self.snapshot
        assert snap is not None
        order = {name: i for i, name in enumerate(snap.tasks)}
        key = self.sort_key
        if key == "name":
            return lambda n: n
        if key == "group":
            return lambda n: (snap.tasks[n].group, order[n])
        if key == "status":
            return lambda n: (str(snap.tasks[n].status), order[n])
        if key == "start":
            return lambda n: (snap.tasks[n].start_time is None, snap.tasks[n].start_time or 0.0)
        if key == "duration":
            return lambda n: -(_duration(snap.tasks[n], snap.time) or 0.0)
        return lambda n: order[n]

    def updated(self, changed: set[str]) -> None:
        """Rewrite the rows of `changed` tasks (a status filter may change which rows exist)."""
        snap = self.snapshot
        if snap is None or self._stale:
            return
        if not self.shown_in_tab and (self.status_filter != "all" or self.sort_key != "spec"):
            self._stale = True
            return
        if self.status_filter != "all" or self.sort_key in ("status", "start", "duration"):
            self.rebuild()
            return
        for name in changed:
            if name not in self.rows:
                continue
            cells = self._cells(snap.tasks[name])
            for (key, _label, _width), value in zip(COLUMNS, cells, strict=True):
                self.update_cell(name, key, value)
        running = [t for t in self._shown if snap.tasks[t].status.value == "RUNNING"]
        for name in running:  # durations of running tasks grow with time
            self.update_cell(name, "duration", st.duration(_duration(snap.tasks[name], snap.time)))

    def _cells(self, task: TaskState) -> list[str | Text]:
        snap = self.snapshot
        assert snap is not None
        status = Text(f"{st.symbol(task.status)} {task.status}", style=st.colour(task.status))
        name = Text(f"★ {task.name}" if task.lead else f"  {task.name}")  # Text keeps the indent
        return [
            name,
            task.group,
            status,
            "" if task.exit_code is None else str(task.exit_code),
            str(task.retries) if task.retries else "",
            "" if task.start_time is None else st.duration(task.start_time),
            st.duration(_duration(task, snap.time)),
            task.node,
            task.message,
        ]

    @property
    def current_task(self) -> str | None:
        if not self._shown or self.cursor_row >= len(self._shown) or self.row_count == 0:
            return None
        return self._shown[self.cursor_row]

    def action_cycle_sort(self) -> None:
        self.sort_key = SORT_KEYS[(SORT_KEYS.index(self.sort_key) + 1) % len(SORT_KEYS)]
        self.rebuild()
        self.notify(f"Tasks sorted by {self.sort_key}", timeout=2)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.post_message(self.TaskSelected(self, event.row_key.value, activated=False))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.post_message(self.TaskSelected(self, event.row_key.value, activated=True))

    def select_task(self, name: str) -> None:
        if name in self._shown:
            self.move_cursor(row=self._shown.index(name), scroll=True)


def _duration(task: TaskState, now: float) -> float | None:
    if task.start_time is None:
        return None
    end = task.end_time if task.end_time is not None else now
    return max(0.0, end - task.start_time)
