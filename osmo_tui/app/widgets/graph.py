"""GroupGraph: groups in dependency layers, each a box of its tasks, coloured by status, live."""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.cells import set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.message import Message

from osmo_tui.app import style as st
from osmo_tui.app.widgets.lines import LinesView
from simulator.engine.snapshot import RunSnapshot

BOX = 32
"""Box width in cells: two boxes side by side fit 80 columns."""
GAP = 2
AUTO_COLLAPSE_TASKS = 1
"""With over 100 tasks in a workflow, groups larger than this start folded (an overview first)."""
BORDER = Style(color="grey50")
DIM = Style(color="grey58")
CURSOR = Style(reverse=True)
ARROW = Style(color="grey70", bold=True)


@dataclass(frozen=True, slots=True)
class Row:
    """One line of one box: `kind` is head, up, task, more or foot."""

    kind: str
    group: str
    task: str = ""
    count: int = 0


@dataclass
class Band:
    """Boxes side by side."""

    boxes: list[list[Row]] = field(default_factory=list)
    arrows: list[bool] = field(default_factory=list)
    """Per box: the box before it is in an earlier layer (drawn as `→` on the head line)."""

    @property
    def height(self) -> int:
        return max(len(b) for b in self.boxes)


def layers(snapshot: RunSnapshot) -> list[list[str]]:
    """Groups by dependency depth (a group sits one layer below its deepest upstream)."""
    depth: dict[str, int] = {}
    for name in snapshot.groups:
        _depth(snapshot, name, depth, set())
    out: list[list[str]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
    for name in snapshot.groups:
        out[depth[name]].append(name)
    return out


def _depth(snap: RunSnapshot, name: str, memo: dict[str, int], seen: set[str]) -> int:
    if name in memo:
        return memo[name]
    seen.add(name)
    ups = [u for u in snap.groups[name].upstream if u in snap.groups and u not in seen]
    memo[name] = 1 + max((_depth(snap, u, memo, seen) for u in ups), default=-1)
    return memo[name]


class GroupGraph(LinesView):
    """The workflow's group DAG; arrows move a cursor, enter selects a task or folds a group."""

    BINDINGS = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("pageup", "cursor(-10)", show=False),
        Binding("pagedown", "cursor(10)", show=False),
        Binding("enter", "activate", "Select/fold", show=False),
        Binding("z", "fold_all", "Fold all"),
    ]

    class TaskSelected(Message):
        """The cursor moved onto a task (or enter was pressed on it)."""

        def __init__(self, graph: GroupGraph, task: str, activated: bool) -> None:
            super().__init__()
            self.graph, self.task, self.activated = graph, task, activated

        @property
        def control(self) -> GroupGraph:
            return self.graph

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.snapshot: RunSnapshot | None = None
        self.badges: dict[str, str] = {}
        self.collapsed: set[str] = set()
        self.status_filter = "all"
        self.search = ""
        self.bands: list[Band] = []
        self.cursor = 0
        self._targets: list[tuple[int, Row]] = []
        """(line, row) of every row the cursor can stop on, in reading order."""
        self._line_of: dict[int, tuple[Band, int]] = {}
        self._hits: dict[tuple[int, int], int] = {}
        """(line, box column) -> index in `_targets`, for mouse clicks."""

    # --- data --------------------------------------------------------------------------------

    def show(self, snapshot: RunSnapshot, badges: dict[str, str] | None = None) -> None:
        """Show a (new) run; a new plan resets folding to the default for its size."""
        new_plan = self.snapshot is None or list(self.snapshot.tasks) != list(snapshot.tasks)
        self.snapshot = snapshot
        if badges is not None:
            self.badges = badges
        if new_plan:
            big = len(snapshot.tasks) > 100
            self.collapsed = {
                g.name
                for g in snapshot.groups.values()
                if big and len(g.tasks) > AUTO_COLLAPSE_TASKS
            }
        self.relayout()

    def updated(self) -> None:
        """Statuses changed: repaint; re-layout only when a status filter decides visibility."""
        if self.status_filter != "all":
            self.relayout()
        else:
            self.refresh()

    def relayout(self) -> None:
        """Boxes flow in layer order, wrapping at the width; `→` marks a step to a later layer."""
        snap = self.snapshot
        self.bands = []
        if snap is not None:
            per_band = max(1, (max(self.size.width, BOX + 1) - 1 + GAP) // (BOX + GAP))
            boxes: list[tuple[int, list[Row]]] = [
                (depth, box)
                for depth, layer in enumerate(layers(snap))
                for g in layer
                if (box := self._box(g))
            ]
            for start in range(0, len(boxes), per_band):
                chunk = boxes[start : start + per_band]
                band = Band(boxes=[b for _d, b in chunk])
                band.arrows = [i > 0 and chunk[i - 1][0] < d for i, (d, _b) in enumerate(chunk)]
                self.bands.append(band)
        self._index()
        self.refresh()

    def _visible_tasks(self, group: str) -> list[str]:
        assert self.snapshot is not None
        tasks = self.snapshot.tasks
        needle = self.search.lower()
        group_hit = bool(needle) and needle in group.lower()
        return [
            t
            for t in self.snapshot.groups[group].tasks
            if st.matches_filter(tasks[t].status, self.status_filter)
            and (not needle or group_hit or needle in t.lower())
        ]

    def _box(self, group: str) -> list[Row]:
        assert self.snapshot is not None
        g = self.snapshot.groups[group]
        visible = self._visible_tasks(group)
        filtering = self.status_filter != "all" or bool(self.search)
        if filtering and not visible:
            return []
        rows = [Row("head", group)]
        if g.upstream:
            rows.append(Row("up", group))
        if group not in self.collapsed:  # a folded group's counts are on its head line
            rows.extend(Row("task", group, t) for t in visible)
            if len(visible) < len(g.tasks):
                rows.append(Row("more", group, count=len(g.tasks) - len(visible)))
        rows.append(Row("foot", group))
        return rows

    def _index(self) -> None:
        self._targets, self._line_of, self._hits = [], {}, {}
        y = 0
        for band in self.bands:
            for offset in range(band.height):
                self._line_of[y + offset] = (band, offset)
            for column, box in enumerate(band.boxes):  # reading order: box by box in a band
                for offset, row in enumerate(box):
                    if row.kind in ("head", "task"):
                        self._hits[(y + offset, column)] = len(self._targets)
                        self._targets.append((y + offset, row))
            y += band.height
        width = max((len(b.boxes) * (BOX + GAP) for b in self.bands), default=BOX)
        self.set_size(max(width, BOX), y if self.snapshot is not None else 1)
        self.cursor = min(self.cursor, max(len(self._targets) - 1, 0))

    # --- rendering ---------------------------------------------------------------------------

    def line(self, y: int) -> list[Segment]:
        if not self.bands:
            return self.placeholder() if self.snapshot is None else []
        band, offset = self._line_of[y]
        cursor_row = self._targets[self.cursor][1] if self._targets else None
        segments: list[Segment] = []
        for i, box in enumerate(band.boxes):
            if i:
                arrow = offset == 0 and band.arrows[i]
                segments.append(Segment("→ " if arrow else " " * GAP, ARROW))
            if offset < len(box):
                segments.extend(self._row(box[offset], box[offset] is cursor_row))
            else:
                segments.append(Segment(" " * BOX))
        return segments

    def _row(self, row: Row, selected: bool) -> list[Segment]:
        assert self.snapshot is not None
        g = self.snapshot.groups[row.group]
        inner = BOX - 4
        if row.kind == "foot":
            return [Segment("└" + "─" * (BOX - 2) + "┘", BORDER)]
        if row.kind == "head":
            return self._head(row.group, selected)
        body: list[Segment]
        if row.kind == "up":
            body = [Segment(set_cell_size("← " + ", ".join(g.upstream), inner), DIM)]
        elif row.kind == "more":
            body = [Segment(set_cell_size(f"… {row.count} hidden by filter", inner), DIM)]
        else:
            body = self._task_row(row.task, inner, selected)
        return [Segment("│ ", BORDER), *body, Segment(" │", BORDER)]

    def _task_row(self, name: str, width: int, selected: bool) -> list[Segment]:
        assert self.snapshot is not None
        task = self.snapshot.tasks[name]
        badge = self.badges.get(name, "")
        facts = f" ↻{task.retries}" if task.retries else ""
        if task.exit_code not in (None, 0):
            facts += f" x{task.exit_code}"  # the exit code that decided the task's fate
        lead = "★" if task.lead else " "
        room = width - len(badge) - len(facts)
        label = set_cell_size(f"{lead}{st.symbol(task.status)} {name}", room)
        task_style = st.style(task.status) + (CURSOR if selected else Style())
        return [
            Segment(label, task_style),
            Segment(facts, st.style(task.status)),
            Segment(badge, DIM),
        ]

    def _head(self, group: str, selected: bool) -> list[Segment]:
        """`┌ ▾✔ name      3/5 ┐`; folded: `┌ ▸▶ name   ✔3 ▶2 ┐` (counts per status)."""
        assert self.snapshot is not None
        g = self.snapshot.groups[group]
        tasks = self.snapshot.tasks
        folded = group in self.collapsed
        if folded:
            counts: dict[str, int] = {}
            for t in g.tasks:
                key = str(tasks[t].status)
                counts[key] = counts.get(key, 0) + 1
            tail = [Segment(f"{st.symbol(k)}{n} ", st.style(k)) for k, n in counts.items()]
        else:
            done = sum(1 for t in g.tasks if tasks[t].status.finished)
            tail = [Segment(f"{done}/{len(g.tasks)} ", BORDER)]
        width = sum(len(seg.text) for seg in tail)
        room = BOX - 2 - width
        if room < 8:  # too many statuses for the box: keep the name readable
            tail, width, room = [], 0, BOX - 2
        fold = "▸" if folded else "▾"
        name = set_cell_size(f" {fold}{st.symbol(g.status)} {group} ", room)
        head_style = st.style(g.status, bold=True) + (CURSOR if selected else Style())
        return [Segment("┌", BORDER), Segment(name, head_style), *tail, Segment("┐", BORDER)]

    def placeholder(self) -> list[Segment]:
        return [
            Segment("No valid version of this workflow yet: fix the errors above and save.", DIM)
        ]

    # --- navigation --------------------------------------------------------------------------

    @property
    def current(self) -> Row | None:
        return self._targets[self.cursor][1] if self._targets else None

    def action_cursor(self, delta: int) -> None:
        if not self._targets:
            return
        self.cursor = max(0, min(len(self._targets) - 1, self.cursor + delta))
        self.scroll_to_line(self._targets[self.cursor][0])
        self.refresh()
        row = self.current
        if row is not None and row.kind == "task":
            self.post_message(self.TaskSelected(self, row.task, activated=False))

    def action_activate(self) -> None:
        row = self.current
        if row is None:
            return
        if row.kind == "head":
            self.collapsed ^= {row.group}
            self.relayout()
        else:
            self.post_message(self.TaskSelected(self, row.task, activated=True))

    def action_fold_all(self) -> None:
        if self.snapshot is None:
            return
        everything = set(self.snapshot.groups)
        self.collapsed = set() if self.collapsed == everything else everything
        self.relayout()

    def select_task(self, name: str) -> None:
        """Move the cursor to `name` (unfolding its group if needed)."""
        if self.snapshot is None or name not in self.snapshot.tasks:
            return
        group = self.snapshot.tasks[name].group
        if group in self.collapsed:
            self.collapsed.discard(group)
            self.relayout()
        for i, (y, row) in enumerate(self._targets):
            if row.kind == "task" and row.task == name:
                self.cursor = i
                self.scroll_to_line(y)
                self.refresh()
                return

    def on_resize(self) -> None:
        self.relayout()

    def on_click(self, event: events.Click) -> None:
        """A click selects the task (or group) under the pointer; a double click activates it."""
        line = event.y + self.scroll_offset.y
        column = (event.x + self.scroll_offset.x) // (BOX + GAP)
        index = self._hits.get((line, column))
        if index is None:
            return
        self.cursor = index
        self.refresh()
        row = self._targets[index][1]
        if event.chain >= 2:
            self.action_activate()
        elif row.kind == "task":
            self.post_message(self.TaskSelected(self, row.task, activated=False))
