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
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip

from osmo_tui.app import narrow
from osmo_tui.app import style as st
from osmo_tui.app.widgets import lines
from osmo_tui.app.widgets.graph_layout import (
    BOX,
    GAP,
    PORT,
    Band,
    Gap,
    Layout,
    Node,
    depths,
    layout,
)
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
STATUS = Style(bgcolor="#262626")
ARROW = Style(color="grey85", bold=True)
BOX_MAX = 72
"""Boxes grow with the longest names up to this (and to what fits the screen side by side)."""
STATUS_MIN_HEIGHT = 10
"""A view at least this tall keeps its last line for the cursor's full name and facts."""


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
        Binding("z", "fold_all", "Fold all", show=False),
    ]

    class Folded(Message):
        """Groups were folded or unfolded (the timeline folds the same ones)."""

        def __init__(self, graph: GroupGraph, groups: set[str]) -> None:
            super().__init__()
            self.graph, self.groups = graph, groups

        @property
        def control(self) -> GroupGraph:
            return self.graph

    class TaskSelected(lines.TaskSelected):
        """The graph's cursor moved onto a task (or enter was pressed on it)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.snapshot: RunSnapshot | None = None
        self.badges: dict[str, str] = {}
        self.collapsed: set[str] = set()
        self.box = BOX
        """Box width: grows with the screen and the longest visible names (`_box_width`)."""
        self._need: dict[str, tuple[int, int]] = {}
        """Group -> cells its box wants (folded, unfolded) to show every name uncut."""
        self._depth: dict[str, int] = {}
        self._frame_height: int | None = None
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
        self.matches: dict[str, int] = {}
        """While a search or filter narrows the graph: visible group -> its matching tasks (a
        folded box says `2 match` on its head)."""
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
            self._need = {
                g.name: (
                    len(g.name) + 6 + 4 * min(len(g.tasks), 4),  # `┌ ▸✔ name  ✔3 ▶2 ┐`
                    max([len(g.name) + 12, *(len(t) + 13 for t in g.tasks)]),  # `│ ★▶ t ↻1 x1 │`
                )
                for g in snapshot.groups.values()
            }
            self.post_message(self.Folded(self, set(self.collapsed)))
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
        self.matches = {}
        if snap is not None:
            for name in snap.groups:
                if box := self._box(name):
                    boxes[name] = box
        heights = {name: len(box) for name, box in boxes.items()}
        if not _same_graph(snap, self._laid_out):
            self._plans.clear()
            self._depth = (
                depths({name: g.upstream for name, g in snap.groups.items()})
                if snap is not None
                else {}
            )
        self.box = width = self._box_width(boxes)
        key = (str(width), *boxes)
        plan = self._plans.pop(key, None)
        if snap is None:
            plan = None
        elif plan is not None:
            plan.restack(heights)
        else:
            depth = self._depth
            nodes = [Node(name, depth[name], heights[name]) for name in boxes]
            edges = [(u, v) for v in boxes for u in snap.groups[v].upstream if u in boxes]
            plan = layout(nodes, edges, width)
        if plan is not None:
            self._plans[key] = plan  # most recent last
            if len(self._plans) > PLANS_KEPT:
                del self._plans[next(iter(self._plans))]
        self.plan, self.boxes, self._laid_out = plan, boxes, snap
        self._index()
        self.refresh()

    def _box_width(self, boxes: dict[str, list[Row]]) -> int:
        """Wide enough for the longest visible name (up to BOX_MAX), but no wider than lets the
        widest band's boxes sit side by side on screen; never under BOX (then it scrolls)."""
        width = self.scrollable_content_region.width or self.size.width
        if not boxes or width <= 0:
            return BOX
        per_band: dict[int, int] = {}
        want = 0
        for name in boxes:
            depth = self._depth.get(name, 0)
            per_band[depth] = per_band.get(depth, 0) + 1
            folded, unfolded = self._need.get(name, (BOX, BOX))
            want = max(want, folded if name in self.collapsed else unfolded)
        widest = max(per_band.values())
        fits = (width - 1 - GAP * (widest - 1)) // widest
        return max(BOX, min(want, fits, BOX_MAX))

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
        if filtering:
            self.matches[group] = len(visible)
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
        status = 1 if self.snapshot is not None and self.status_lines() else 0
        self.set_size(max(width, self.box), (height + status) if self.snapshot is not None else 1)
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
        box = self.box
        first = max(bisect_right(band.starts, left - box), 0)
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
                    border = self._border(name)
                    segments += [
                        Segment("└" + "─" * (port - x - 1), border),
                        Segment(PORT, EDGE),
                        Segment("─" * (x + box - 2 - port) + "┘", border),
                    ]
                else:
                    segments.extend(self._row(row, row is cursor_row))
            elif port is not None:  # under a box shorter than its band: its line goes on down
                segments += [Segment(" " * (port - x)), Segment("│", EDGE)]
                at = port + 1
                continue
            at = x + box
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
        inner = self.box - 4
        border = self._border(row.group)
        if row.kind == "foot":
            return [Segment("└" + "─" * (self.box - 2) + "┘", border)]
        if row.kind == "head":
            return self._head(row.group, selected)
        body: list[Segment]
        if row.kind == "up":
            body = [Segment(st.fit("← " + ", ".join(g.upstream), inner), DIM)]
        elif row.kind == "more":
            body = [Segment(set_cell_size(f"… {row.count} hidden by filter", inner), DIM)]
        else:
            body = self._task_row(row.task, inner, selected)
        return [Segment("│ ", border), *body, Segment(" │", border)]

    def _border(self, group: str) -> Style:
        """The frame of a group's box (one place to style it, e.g. by a reload's diff)."""
        return BORDER

    def _task_row(self, name: str, width: int, selected: bool) -> list[Segment]:
        assert self.snapshot is not None
        task = self.snapshot.tasks[name]
        badge = self.badges.get(name, "")
        facts = f" ↻{task.retries}" if task.retries else ""
        if task.reused_from:
            facts += f" {st.REUSED}"  # restored from an earlier run, not run
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
        matched = self.matches.get(group) if folded else None
        if matched is not None:  # a search or filter: how many of its tasks match, not statuses
            tail = [Segment(f"{matched} match ", narrow.MATCH)]
        elif folded:
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
        room = self.box - 2 - width
        if room < 8:  # too many statuses for the box: keep the name readable
            tail, width, room = [], 0, self.box - 2
        fold = "▸" if folded else "▾"
        name = st.fit(f" {fold}{st.symbol(g.status)} {group}", room - 1) + " "
        head_style = st.style(g.status, bold=True) + (CURSOR if selected else Style())
        if not self.changed.isdisjoint(g.tasks):  # a folded box still shows the reload's mark
            head_style += CHANGED
        border = self._border(group)
        return [Segment("┌", border), Segment(name, head_style), *tail, Segment("┐", border)]

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
        y = self._targets[self.cursor][0]
        top = self.scroll_offset.y
        height = self._view_height() - self.status_lines()
        if y < top:
            self.scroll_to(y=y, animate=False)
        elif y >= top + max(1, height):
            self.scroll_to(y=y - max(1, height) + 1, animate=False)
        x = self._target_x[self.cursor]
        self.scroll_to_columns(x, x + self.box)

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
            self.post_message(self.Folded(self, set(self.collapsed)))
        else:
            self.post_message(self.TaskSelected(self, row.task, activated=True))

    def action_fold_all(self) -> None:
        if self.snapshot is None:
            return
        everything = set(self.snapshot.groups)
        self.collapsed = set() if self.collapsed == everything else everything
        self.relayout()
        self.post_message(self.Folded(self, set(self.collapsed)))

    def select_task(self, name: str, *, unfold: bool = True) -> None:
        """Move the cursor to `name`, unfolding its group if needed; with `unfold` off, a folded
        group (or a box too short to list the task) keeps its shape and gets the cursor on its
        head."""
        if self.snapshot is None or name not in self.snapshot.tasks:
            return
        group = self.snapshot.tasks[name].group
        if group in self.collapsed and unfold:
            self.collapsed.discard(group)
            self.relayout()
            self.post_message(self.Folded(self, set(self.collapsed)))
        rows = [row for _y, row in self._targets]
        found = next((i for i, r in enumerate(rows) if r.kind == "task" and r.task == name), None)
        if found is None and not unfold:
            found = next(
                (i for i, r in enumerate(rows) if r.kind == "head" and r.group == group), None
            )
        if found is not None:
            self.cursor = found
            self._show_cursor()
            self.refresh()

    def on_mount(self) -> None:
        self._index()  # the placeholder line before any plan

    def on_resize(self) -> None:
        """A new width may give the boxes a new width (a re-layout); else only a repaint."""
        if self.snapshot is not None and self._box_width(self.boxes) != self.box:
            self.relayout()
        else:
            self._index()
            self.refresh()

    # --- the status line: the cursor's full name and facts (boxes cut long names) -----------

    def _view_height(self) -> int:
        if self._frame_height is not None:
            return self._frame_height
        return self.scrollable_content_region.height or self.size.height

    def render_lines(self, crop: Region) -> list[Strip]:
        """One repaint: the view's height is looked up once, not per line."""
        self._frame_height = self.scrollable_content_region.height or self.size.height
        try:
            return super().render_lines(crop)
        finally:
            self._frame_height = None

    def status_lines(self) -> int:
        return 1 if self._view_height() >= STATUS_MIN_HEIGHT else 0

    def empty_note(self) -> str:
        """Why a search or filter left no box, and the way out ("" when there are boxes)."""
        if (
            self.snapshot is None
            or self.boxes
            or not narrow.narrowing(self.search, self.status_filter)
        ):
            return ""
        return narrow.empty_note(self.search, self.status_filter)

    def render_line(self, y: int) -> Strip:
        note = self.empty_note()
        if note and y == max(0, (self._view_height() - self.status_lines()) // 2):
            strip = Strip(narrow.centred(note, self.size.width)).apply_style(self.line_style)
            return strip.crop_extend(0, self.size.width, self.line_style)
        if self.snapshot is not None and self.status_lines() and y == self._view_height() - 1:
            strip = Strip(self.status_segments()).apply_style(self.line_style)
            return strip.crop_extend(0, self.size.width, self.line_style)
        return super().render_line(y)

    def status_segments(self) -> list[Segment]:
        """`▶ name · group g · RUNNING · retried 1 · exit 1 · ★ lead` for the cursor's row."""
        row = self.current
        snap = self.snapshot
        if row is None or snap is None:
            return [Segment(" ", STATUS)]
        if row.kind == "task":
            task = snap.tasks[row.task]
            text = f" {st.symbol(task.status)} {row.task} · group {row.group} · {task.status}"
            if task.lead:
                text += " · ★ lead"
            if task.retries:
                text += f" · retried {task.retries}"
            if task.exit_code is not None:
                text += f" · exit {task.exit_code}"
            return [Segment(text, STATUS + st.style(task.status)), Segment(" " * 400, STATUS)]
        g = snap.groups[row.group]
        folded = "folded, enter unfolds" if row.group in self.collapsed else "enter folds"
        text = f" {st.symbol(g.status)} {row.group} · {len(g.tasks)} task(s) · {g.status}"
        if row.group in self.matches:
            text += f" · {self.matches[row.group]} match"
        text += f" · {folded}"
        return [Segment(text, STATUS + st.style(g.status)), Segment(" " * 400, STATUS)]

    def _row_at(self, x: int, y: int) -> int | None:
        """The index in `_targets` of the row at screen cell (x, y), if any."""
        line = y + self.scroll_offset.y
        column = x + self.scroll_offset.x
        hits = self._hits.get(line, [])
        i = bisect_right(hits, (column, len(self._targets))) - 1
        if i < 0 or column >= hits[i][0] + self.box:
            return None
        return hits[i][1]

    def on_mouse_move(self, event: events.MouseMove) -> None:
        """Hovering a row shows its full name in a tooltip (boxes cut long names)."""
        index = self._row_at(event.x, event.y)
        tip: str | None = None
        if index is not None:
            row = self._targets[index][1]
            tip = row.task if row.kind == "task" else row.group
        if tip != self.tooltip:
            self.tooltip = tip

    def on_click(self, event: events.Click) -> None:
        """A click selects the task (or group) under the pointer; a double click activates it."""
        if self.status_lines() and event.y == self._view_height() - 1:
            return
        index = self._row_at(event.x, event.y)
        if index is None:
            return
        self.cursor = index
        self.refresh()
        row = self._targets[index][1]
        if event.chain >= 2:
            self.action_activate()
        elif row.kind == "task":
            self.post_message(self.TaskSelected(self, row.task, activated=False))
