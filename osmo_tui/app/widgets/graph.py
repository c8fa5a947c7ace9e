"""GroupGraph: groups in dependency bands, each a box of its tasks, coloured by status, live.

Boxes of one dependency layer sit side by side (the view scrolls sideways when a layer is wide);
every edge between two visible groups is drawn, exactly, in the gap between bands (see
`graph_layout`). The layout is made when visibility changes (fold, filter, search, a new plan);
a status change only repaints the lines on screen.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from rich.cells import set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.message import Message

from osmo_tui.app import style as st
from osmo_tui.app.widgets.graph_layout import BOX, PORT, Band, Gap, Layout, Node, depths, layout
from osmo_tui.app.widgets.lines import LinesView
from simulator.engine.snapshot import RunSnapshot
from simulator.engine.status import TaskStatus

__all__ = ["BOX", "GroupGraph", "Row"]

PLANS_KEPT = 3
"""Layouts kept for reuse: the whole graph and the last few searches or filters."""
AUTO_COLLAPSE_TASKS = 1
"""With over 100 tasks in a workflow, groups larger than this start folded (an overview first)."""
BORDER = Style(color="grey50")
DIM = Style(color="grey58")
CURSOR = Style(reverse=True)
CHANGED = Style(underline=True, bold=True)
"""Tasks the last reload changed (the app sets `GroupGraph.changed`)."""
EDGE = Style(color="grey70")
ARROW = Style(color="grey85", bold=True)


@dataclass(frozen=True, slots=True)
class Row:
    """One line of one box: `kind` is head, up, task, more or foot."""

    kind: str
    group: str
    task: str = ""
    count: int = 0


def _same_graph(a: RunSnapshot | None, b: RunSnapshot | None) -> bool:
    """The same groups with the same upstreams (another run, or a scrub, of one plan)."""
    if a is b:
        return True
    if a is None or b is None or a.groups.keys() != b.groups.keys():
        return False
    return all(g.upstream == b.groups[name].upstream for name, g in a.groups.items())


class GroupGraph(LinesView):
    """The workflow's group DAG; arrows move a cursor, enter selects a task or folds a group."""

    BINDINGS = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("pageup", "cursor(-10)", show=False),
        Binding("pagedown", "cursor(10)", show=False),
        Binding("left,h", "sideways(-1)", "Box to the left", show=False),
        Binding("right,l", "sideways(1)", "Box to the right", show=False),
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
        self.plan: Layout | None = None
        self._laid_out: RunSnapshot | None = None
        """The snapshot `plan` was made for."""
        self._plans: dict[tuple[str, ...], Layout] = {}
        """Recent layouts of this group graph by visible groups (clearing a search is instant;
        a re-run or a scrub shows the same graph)."""
        self.boxes: dict[str, list[Row]] = {}
        """The rows of each visible group's box."""
        self.changed: set[str] = set()
        """Tasks the last reload changed or added: they and their group's head are drawn
        underlined (`CHANGED`)."""
        self.cursor = 0
        self._targets: list[tuple[int, Row]] = []
        """(line, row) of every row the cursor can stop on, in reading order."""
        self._target_x: list[int] = []
        """The x of each target's box."""
        self._hits: dict[int, list[tuple[int, int]]] = {}
        """line -> (box x, index in `_targets`) by x, for mouse clicks."""

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
        """Lay out the visible boxes in bands and route the edges between them.

        When the same groups are visible as in a recent layout (a fold, a filter that only hides
        tasks, a search cleared), its bands and edges are reused and only the boxes' heights
        change: that is cheap even for 10,000 groups."""
        snap = self.snapshot
        boxes: dict[str, list[Row]] = {}
        if snap is not None:
            for name in snap.groups:
                if box := self._box(name):
                    boxes[name] = box
        heights = {name: len(box) for name, box in boxes.items()}
        if not _same_graph(snap, self._laid_out):
            self._plans.clear()
        key = tuple(boxes)
        plan = self._plans.pop(key, None)
        if snap is None:
            plan = None
        elif plan is not None:
            plan.restack(heights)
        else:
            depth = depths({name: g.upstream for name, g in snap.groups.items()})
            nodes = [Node(name, depth[name], heights[name]) for name in boxes]
            edges = [(u, v) for v in boxes for u in snap.groups[v].upstream if u in boxes]
            plan = layout(nodes, edges)
        if plan is not None:
            self._plans[key] = plan  # most recent last
            if len(self._plans) > PLANS_KEPT:
                del self._plans[next(iter(self._plans))]
        self.plan, self.boxes, self._laid_out = plan, boxes, snap
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
        self._targets, self._target_x, self._hits = [], [], {}
        plan = self.plan
        if plan is not None:
            for name in plan.order:  # reading order: band by band, box by box, left to right
                x, y = plan.pos[name]
                for offset, row in enumerate(self.boxes[name]):
                    if row.kind in ("head", "task"):
                        self._hits.setdefault(y + offset, []).append((x, len(self._targets)))
                        self._targets.append((y + offset, row))
                        self._target_x.append(x)
            for hits in self._hits.values():
                hits.sort()
        height = plan.height if plan is not None else 0
        width = plan.width if plan is not None else 0
        self.set_size(max(width, BOX), height if self.snapshot is not None else 1)
        self.cursor = min(self.cursor, max(len(self._targets) - 1, 0))

    # --- rendering ---------------------------------------------------------------------------

    def line(self, y: int) -> list[Segment]:
        start, segments = self.window(y, 0, self.virtual_size.width)
        return [Segment(" " * start), *segments] if start else segments

    def window(self, y: int, left: int, right: int) -> tuple[int, list[Segment]]:
        """Only the part of the line in view (a wide band has thousands of boxes off screen):
        segments covering columns [left, right) of line `y`, and the column they start at."""
        plan = self.plan
        if plan is None or not plan.order:
            return 0, self.placeholder() if self.snapshot is None else []
        where, offset = plan.at(y)
        if isinstance(where, Gap):
            return self._gap_line(where, offset, left, right)
        return self._band_line(where, offset, left, right)

    def _band_line(
        self, band: Band, offset: int, left: int, right: int
    ) -> tuple[int, list[Segment]]:
        assert self.plan is not None
        ports = self.plan.ports
        cursor_row = self._targets[self.cursor][1] if self._targets else None
        first = max(bisect_right(band.starts, left - BOX), 0)
        segments: list[Segment] = []
        start = at = min(band.starts[first], left) if first < len(band.starts) else left
        for i in range(first, bisect_left(band.starts, right)):
            x, name = band.items[i]
            if x > at:
                segments.append(Segment(" " * (x - at)))
            if name is None:  # a lane: an edge passing this band
                segments.append(Segment("│", EDGE))
                at = x + 1
                continue
            rows = self.boxes[name]
            port = ports.get(name)
            if offset < len(rows):
                row = rows[offset]
                if row.kind == "foot" and port is not None:
                    segments += [
                        Segment("└" + "─" * (port - x - 1), BORDER),
                        Segment(PORT, EDGE),
                        Segment("─" * (x + BOX - 2 - port) + "┘", BORDER),
                    ]
                else:
                    segments.extend(self._row(row, row is cursor_row))
            elif port is not None:  # under a box shorter than its band: its line goes on down
                segments += [Segment(" " * (port - x)), Segment("│", EDGE)]
                at = port + 1
                continue
            at = x + BOX
        return start, segments

    def _gap_line(self, gap: Gap, row: int, left: int, right: int) -> tuple[int, list[Segment]]:
        segments: list[Segment] = []
        start = at = left
        for x, text in gap.window(row, left, right):
            if not segments:
                start = at = min(x, left)
            if x > at:
                segments.append(Segment(" " * (x - at)))
            segments.append(Segment(text, ARROW if text == "▼" else EDGE))
            at = x + len(text)
        return start, segments

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
            body = [Segment(st.fit("← " + ", ".join(g.upstream), inner), DIM)]
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
        label = st.fit(f"{lead}{st.symbol(task.status)} {name}", room)
        task_style = st.style(task.status) + (CURSOR if selected else Style())
        if name in self.changed:
            task_style += CHANGED
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
            # completed of all: a group whose three tasks failed shows 0/3, not 3/3
            done = sum(1 for t in g.tasks if tasks[t].status is TaskStatus.COMPLETED)
            tail = [Segment(f"{done}/{len(g.tasks)} ", BORDER)]
        width = sum(len(seg.text) for seg in tail)
        room = BOX - 2 - width
        if room < 8:  # too many statuses for the box: keep the name readable
            tail, width, room = [], 0, BOX - 2
        fold = "▸" if folded else "▾"
        name = st.fit(f" {fold}{st.symbol(g.status)} {group}", room - 1) + " "
        head_style = st.style(g.status, bold=True) + (CURSOR if selected else Style())
        if not self.changed.isdisjoint(g.tasks):  # a folded box still shows the reload's mark
            head_style += CHANGED
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
        self._show_cursor()
        self.refresh()
        row = self.current
        if row is not None and row.kind == "task":
            self.post_message(self.TaskSelected(self, row.task, activated=False))

    def action_sideways(self, direction: int) -> None:
        """Move to the nearest box left (-1) or right (+1) in the same band, on the row at the
        same height if it has one (else its nearest); at the band's end, stay."""
        plan = self.plan
        if not self._targets or plan is None:
            return
        y0, x0 = self._targets[self.cursor][0], self._target_x[self.cursor]
        band = plan.at(y0)[0]
        best: tuple[int, int, int] | None = None  # (distance in x, distance in y, index)
        for i, (y, _row) in enumerate(self._targets):
            dx = (self._target_x[i] - x0) * direction
            if dx <= 0 or not band.y <= y < band.y + band.height:
                continue
            key = (dx, abs(y - y0), i)
            if best is None or key < best:
                best = key
        if best is not None:
            self.action_cursor(best[2] - self.cursor)

    def _show_cursor(self) -> None:
        """Scroll (down and sideways) so that the cursor's row and its box are in view."""
        self.scroll_to_line(self._targets[self.cursor][0])
        x = self._target_x[self.cursor]
        self.scroll_to_columns(x, x + BOX)

    def scroll_to_columns(self, first: int, end: int) -> None:
        """Bring columns [first, end) into view (minimal scroll; the left edge wins if too wide)."""
        left = self.scroll_offset.x
        width = self.scrollable_content_region.width or self.size.width
        if first < left:
            self.scroll_to(x=first, animate=False)
        elif end > left + width:
            self.scroll_to(x=min(first, end - width), animate=False)

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
        for i, (_y, row) in enumerate(self._targets):
            if row.kind == "task" and row.task == name:
                self.cursor = i
                self._show_cursor()
                self.refresh()
                return

    def on_mount(self) -> None:
        self._index()  # the placeholder line before any plan

    def on_resize(self) -> None:
        self.refresh()  # the layout does not depend on the width: the view scrolls sideways

    def on_click(self, event: events.Click) -> None:
        """A click selects the task (or group) under the pointer; a double click activates it."""
        line = event.y + self.scroll_offset.y
        column = event.x + self.scroll_offset.x
        hits = self._hits.get(line, [])
        i = bisect_right(hits, (column, len(self._targets))) - 1
        if i < 0 or column >= hits[i][0] + BOX:
            return
        index = hits[i][1]
        self.cursor = index
        self.refresh()
        row = self._targets[index][1]
        if event.chain >= 2:
            self.action_activate()
        elif row.kind == "task":
            self.post_message(self.TaskSelected(self, row.task, activated=False))
