"""Timeline: a Gantt chart of the run, one row per task (or per folded group), every attempt drawn.

Layout of the widget (the axis and the two bottom lines stay put while the rows scroll)::

    ▾✔ prep              0s        30s       1m00s      <- the axis: tick labels, ▼ at "now"
    ▌ ★✔ download        ███▌                           <- ▌ marks the critical path
       ✔ clean           ░▒██████↻ ████████  ↻137 ✔0    <- two attempts, their exits after
    ...
    clean · ✔ COMPLETED · #0 0s→10s ↻137 · #1 12s→30s ✔0 <- the cursor row in full
    ░ queued ▒ init █ run ✖ failed ↻ retried │ now ▌ critical

Rows fold with the graph: a folded group is one row summarising its tasks (the densest state per
column), a one-task group is just its task's row. Keys: up/down (j/k), pageup/pagedown, home/end
move the cursor; enter opens the task in the detail (on a group: fold/unfold it); z folds all.
Only the visible rows are drawn; a row costs O(its attempts) (a folded group O(its tasks + width)).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip

from osmo_tui.app import narrow
from osmo_tui.app import style as st
from osmo_tui.app.attempts import Attempt, AttemptLog, critical_path
from osmo_tui.app.widgets import lines
from osmo_tui.app.widgets.lines import LinesView
from simulator.engine.snapshot import RunSnapshot, TaskState
from simulator.engine.status import TaskStatus

AXIS = Style(color="grey58")
GUIDE = Style(color="grey30")
NOW = Style(color="#ffd75f", bold=True)
CRITICAL = Style(color="#ff5fd7", bold=True)
CURSOR = Style(reverse=True)
CURSOR_BLURRED = Style(bgcolor="#303030")
DIM = Style(color="grey58")
HEAD_LINES = 1
"""The axis."""
NICE_STEPS = (
    0.1,
    0.2,
    0.5,
    1,
    2,
    5,
    10,
    15,
    30,
    60,
    120,
    300,
    600,
    900,
    1800,
    3600,
    7200,
    10800,
    21600,
    43200,
)
"""Tick intervals in seconds; beyond the last, whole days."""
TICK_SPACING = 12
"""At least this many columns between two ticks (room for a label such as `1h30m`)."""
NOTES_FROM, NOTES_WIDTH = 100, 16
"""From this width on, the exits note of a row has its own column right of the bars."""
LABEL_MIN, LABEL_SHARE = 14, 0.34
"""The label column: as wide as the longest label, at least LABEL_MIN, at most this share."""
PHASES = (("░", "SCHEDULING"), ("▒", "INITIALIZING"))
Cells = list[tuple[int, int, str, Style]]
"""Runs of a bar: (first column, end column, char, style)."""
SUMMARY_LOOK = (
    ("░", "SCHEDULING"),
    ("▒", "INITIALIZING"),
    ("█", "COMPLETED"),
    ("█", "RUNNING"),
    ("█", "FAILED"),
)
"""A folded group's layers, the later ones drawn over the earlier (failed shows first)."""


@dataclass(frozen=True, slots=True)
class Row:
    """`kind`: group (a group's header, or a folded group's summary) or task."""

    kind: str
    group: str
    task: str = ""
    nested: bool = False
    """A task under its group's header (indented)."""


def tick_step(span: float, width: int) -> float:
    """The smallest nice interval that leaves TICK_SPACING columns between ticks."""
    for step in NICE_STEPS:
        if step / span * width >= TICK_SPACING:
            return float(step)
    day = 86400.0
    return day * max(1, math.ceil(span * TICK_SPACING / width / day))


def ticks(span: float, width: int) -> list[tuple[int, str]]:
    """(column, label) of each tick that fits on a `width`-column axis covering [0, span]."""
    step = tick_step(span, width)
    out: list[tuple[int, str]] = []
    free = 0
    k = 0
    while k * step <= span + 1e-9:
        col = min(width - 1, int(k * step / span * width))
        label = st.duration(k * step) or "0s"
        at = min(col, width - len(label))  # the last label ends at the right edge
        if at >= free and (at == col or k * step >= span - 1e-9):
            out.append((at, label))
            free = at + len(label) + 1
        k += 1
    return out


class Timeline(LinesView):
    """A sticky axis line on top, the rows, then the cursor row's details and a legend."""

    BINDINGS = [
        Binding("up,k", "move(-1)", show=False),
        Binding("down,j", "move(1)", show=False),
        Binding("pageup", "move(-10)", show=False),
        Binding("pagedown", "move(10)", show=False),
        Binding("home", "move(-1000000)", show=False),
        Binding("end", "move(1000000)", show=False),
        Binding("enter", "activate", "Open task", show=False),
        Binding("z", "fold_all", "Fold all", show=False),
    ]

    class TaskSelected(lines.TaskSelected):
        """The timeline's cursor moved onto a task (activated: enter)."""

    class FoldToggled(Message):
        """Enter on a group row (or z): the graph folds the same groups."""

        def __init__(self, timeline: Timeline, groups: set[str]) -> None:
            super().__init__()
            self.timeline, self.groups = timeline, groups

        @property
        def control(self) -> Timeline:
            return self.timeline

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.snapshot: RunSnapshot | None = None
        self.attempts = AttemptLog()
        self.collapsed: set[str] = set()
        self.rows: list[Row] = []
        self.matching: set[str] | None = None
        """The tasks a search or status filter keeps (None: every task); only their rows and
        their groups' rows are shown."""
        self.matches: dict[str, int] = {}
        """Group -> its matching tasks while narrowed (a folded row says `2 match`)."""
        self.empty_note = ""
        """Why a search or filter left no row, and the way out."""
        self.cursor = 0
        self.full_span: float | None = None
        """The whole run's span while scrubbing (the chart keeps its scale, "now" moves)."""
        self.scrubbing = False
        self.virtual_now: float | None = None
        self._frame: tuple[Style, tuple[int, int, float], int] | None = None
        """(style, geometry, width) during one repaint."""
        self._summaries: dict[str, tuple[tuple[object, ...], tuple[Cells, list[Segment]]]] = {}
        """Folded group -> (what it was drawn for, its cells and note)."""
        self._guide_key: tuple[float, int] = (0.0, 0)
        self._guide_cols: list[int] = []
        self.critical: set[str] = set()
        """Critical groups and, in them, the deciding tasks."""
        self._critical_at: tuple[int, int] = (-1, -1)
        self._label_width = LABEL_MIN
        self._names = 0
        """The longest label's cells."""

    # --- data --------------------------------------------------------------------------------

    def show(
        self,
        snapshot: RunSnapshot,
        attempts: AttemptLog | None = None,
        *,
        scrubbing: bool = False,
        collapsed: set[str] | None = None,
        full_span: float | None = None,
    ) -> None:
        """A new snapshot (a new run, plan or scrub) and the attempts to draw: the session's live
        log, which grows as events come, or one built for a scrubbed moment."""
        new_plan = self.snapshot is None or self.snapshot.tasks.keys() != snapshot.tasks.keys()
        self.snapshot = snapshot
        self.scrubbing = scrubbing
        self.full_span = full_span if scrubbing else None
        if attempts is not None:
            self.attempts = attempts
        if collapsed is not None:
            self.collapsed = set(collapsed)
        if new_plan:
            self._names = max(
                [cell_len(n) + 4 for n in snapshot.groups]
                + [cell_len(n) + 6 for n in snapshot.tasks]
                + [LABEL_MIN]
            )
        self._critical_at = (-1, -1)
        self._summaries.clear()  # another snapshot (a scrub, a new run): draw afresh
        self.rebuild()

    def set_collapsed(self, collapsed: set[str]) -> None:
        """The graph folded or unfolded groups: fold the same ones here."""
        if collapsed != self.collapsed:
            self.collapsed = set(collapsed)
            self.rebuild()

    def updated(self) -> None:
        """New events arrived (live; the session's attempt log has taken them): repaint."""
        self.refresh()

    def narrow(self, matching: set[str] | None, note: str = "") -> None:
        """A search or status filter changed: show only the rows of `matching` (None: all)."""
        if matching == self.matching and note == self.empty_note:
            return
        self.matching, self.empty_note = matching, note
        self.rebuild()

    def rebuild(self) -> None:
        snap = self.snapshot
        current = self.current
        rows: list[Row] = []
        keep = self.matching
        self.matches = {}
        if snap is not None:
            for g in snap.groups.values():
                tasks = g.tasks if keep is None else [t for t in g.tasks if t in keep]
                if not tasks:
                    continue
                if len(g.tasks) == 1:
                    rows.append(Row("task", g.name, g.tasks[0]))
                    continue
                if keep is not None:
                    self.matches[g.name] = len(tasks)
                rows.append(Row("group", g.name))
                if g.name not in self.collapsed:
                    rows.extend(Row("task", g.name, t, nested=True) for t in tasks)
        self.rows = rows
        if current is not None:
            self.cursor = next(
                (i for i, r in enumerate(rows) if r == current),
                next((i for i, r in enumerate(rows) if r.group == current.group), self.cursor),
            )
        self.cursor = max(0, min(self.cursor, len(rows) - 1))
        self.set_size(0, len(rows) + HEAD_LINES + self._foot_lines())
        self.refresh()

    @property
    def current(self) -> Row | None:
        return self.rows[self.cursor] if 0 <= self.cursor < len(self.rows) else None

    def _foot_lines(self) -> int:
        height = self.size.height
        return 2 if height >= 8 or height == 0 else (1 if height >= 4 else 0)

    # --- geometry ----------------------------------------------------------------------------

    @property
    def now(self) -> float:
        """The snapshot's time, or the playback's virtual time between events (live)."""
        snap = self.snapshot
        if snap is None:
            return 0.0
        if self.virtual_now is None or self.scrubbing or snap.finished:
            return snap.time
        return max(snap.time, self.virtual_now)

    def tick(self, virtual_now: float | None) -> None:
        """Time moved on between events (playback): the now line and running bars follow."""
        if virtual_now != self.virtual_now:
            self.virtual_now = virtual_now
            self.refresh()

    @property
    def raw_span(self) -> float:
        snap = self.snapshot
        if snap is None:
            return 1.0
        if self.full_span is not None:
            return max(self.full_span, snap.time, 1e-9)
        return max(self.now, snap.end_time or 0.0, 1e-9)

    def _width(self) -> int:
        """Columns for the rows (the vertical scrollbar takes its own)."""
        return self.scrollable_content_region.width or self.size.width

    def notes_width(self) -> int:
        width = self._frame[2] if self._frame is not None else self._width()
        return NOTES_WIDTH if width >= NOTES_FROM else 0

    def geometry(self) -> tuple[int, int, float]:
        if self._frame is not None:
            return self._frame[1]
        return self._geometry()

    def _geometry(self) -> tuple[int, int, float]:
        """(label width, bar width, span): while the run goes on, the span is rounded up to a
        whole tick, so that the chart rescales only when it crosses a tick, not on every event."""
        width = self._width()
        label = max(LABEL_MIN, min(self._names, int(width * LABEL_SHARE)))
        bar = max(10, width - label - 3 - self.notes_width())
        raw = self.raw_span
        snap = self.snapshot
        if self.scrubbing or (snap is not None and snap.finished):
            return label, bar, raw  # the whole run is known: it fills the width
        step = tick_step(raw, bar)
        span = max(step, math.ceil(raw / step - 1e-9) * step)
        return label, bar, span

    def _critical(self) -> set[str]:
        snap = self.snapshot
        if snap is None:
            return set()
        key = (id(snap), snap.events)
        if key != self._critical_at:
            chain, deciding = critical_path(snap)
            self.critical = set(chain) | set(deciding.values())
            self._critical_at = key
        return self.critical

    # --- rendering ---------------------------------------------------------------------------

    def render_lines(self, crop: Region) -> list[Strip]:
        """One repaint: the style and geometry are worked out once for all its lines."""
        self._frame = (self.rich_style, self._geometry(), self._width())
        try:
            return super().render_lines(crop)
        finally:
            self._frame = None

    def render_line(self, y: int) -> Strip:
        frame = self._frame
        width = frame[2] if frame is not None else self._width()
        rich_style = frame[0] if frame is not None else self.rich_style
        foot = self._foot_lines()
        height = self.size.height
        if self.snapshot is None:
            segments = [Segment("No run yet.", DIM)] if y == 0 else []
        elif not self.rows and self.empty_note and y == (height - foot + HEAD_LINES) // 2:
            segments = narrow.centred(self.empty_note, width)
        elif y < HEAD_LINES:
            segments = self._axis()
        elif y >= height - foot:
            segments = self._legend() if y == height - 1 and foot else self._details()
        else:
            index = self.scroll_offset.y + y - HEAD_LINES
            segments = self.line(index) if index < len(self.rows) else []
        strip = Strip(segments).apply_style(rich_style)
        return strip.crop_extend(0, width, rich_style)

    def line(self, y: int) -> list[Segment]:
        """Row `y` (0-based, below the axis)."""
        snap = self.snapshot
        if snap is None or not 0 <= y < len(self.rows):
            return []
        row = self.rows[y]
        critical = self._critical()
        label_w, bar_w, span = self.geometry()
        picked = y == self.cursor
        extra = (CURSOR if self.has_focus else CURSOR_BLURRED) if picked else Style()
        if row.kind == "group":
            g = snap.groups[row.group]
            folded = row.group in self.collapsed
            text = f"{'▸' if folded else '▾'}{st.symbol(g.status)} {row.group}"
            label = [Segment(st.fit(text, label_w), st.style(g.status, bold=True) + extra)]
            if folded:
                cells, note = self._summary(row.group, bar_w, span)
                if row.group in self.matches:  # narrowed: how many match, as the graph says
                    note = [Segment(f"{self.matches[row.group]} match", narrow.MATCH)]
            else:
                cells, note = self._group_bar(row.group, bar_w, span), []
            is_critical = row.group in critical
        else:
            task = snap.tasks[row.task]
            text = f"{'  ' if row.nested else ''}{self.mark(task)}{'★' if task.lead else ' '}"
            text += f"{st.symbol(task.status)} {row.task}"
            label = [Segment(st.fit(text, label_w), st.style(task.status) + extra)]
            cells, note = self._task_bar(row.task, bar_w, span)
            is_critical = row.task in critical
        gutter = Segment("▌" if is_critical else " ", CRITICAL)
        bar = self._bar_segments(cells, note, bar_w, span)
        return [gutter, *label, Segment("  "), *bar]

    @staticmethod
    def mark(task: TaskState) -> str:
        """A one-cell mark before a task's name: ↺ when its result was reused from an earlier
        run (`reused_from`, when the snapshot carries it); empty otherwise."""
        return "↺" if getattr(task, "reused_from", None) else ""

    def _x(self, t: float, span: float, width: int) -> int:
        return max(0, min(width - 1, int(t / span * width)))

    def _task_bar(
        self, name: str, width: int, span: float
    ) -> tuple[list[tuple[int, int, str, Style]], list[Segment]]:
        """Runs (first column, end column, char, style) of every attempt, and the exits note."""
        assert self.snapshot is not None
        now = self.now
        attempts = self.attempts.of(name)
        cells: list[tuple[int, int, str, Style]] = []
        used = 0
        for attempt in attempts:
            used = self._attempt(attempt, now, span, width, used, cells)
        return cells, self._exits(attempts)

    def _attempt(
        self,
        a: Attempt,
        now: float,
        span: float,
        width: int,
        used: int,
        cells: list[tuple[int, int, str, Style]],
    ) -> int:
        """Append the runs of one attempt after column `used`; return the new `used`."""
        stop = a.end if a.end is not None else now
        marks = [
            (at, char, status)
            for (char, status), at in zip(PHASES, (a.scheduling, a.initializing), strict=True)
            if at is not None
        ]
        if a.start is not None:
            marks.append((a.start, "█", str(a.status)))
        start_used = used
        for i, (at, char, status) in enumerate(marks):
            until = marks[i + 1][0] if i + 1 < len(marks) else stop
            first = max(used, self._x(at, span, width))
            end = max(first + (1 if i == len(marks) - 1 else 0), self._x(until, span, width))
            end = min(end, width)
            if end > first:
                cells.append((first, end, char, st.style(status)))
                used = end
        if a.finished and a.status is not TaskStatus.COMPLETED:
            # the attempt's end: its status mark in the last cell (or alone when it never ran)
            col = used - 1 if used > start_used else max(used, self._x(stop, span, width))
            if col < width:
                if cells and used > start_used and cells[-1][1] == used:
                    first, end, char, style = cells.pop()
                    if end - 1 > first:
                        cells.append((first, end - 1, char, style))
                cells.append((col, col + 1, st.symbol(a.status), st.style(a.status, bold=True)))
                used = col + 1
        return used

    @staticmethod
    def _exits(attempts: list[Attempt]) -> list[Segment]:
        """`↻137 ✔0` after the bar: each finished attempt's mark and exit code, when there is
        more than one attempt or the one did not end well."""
        done = [a for a in attempts if a.finished]
        if not done or (
            len(attempts) == 1 and done[0].status is TaskStatus.COMPLETED and not done[0].exit_code
        ):
            return []
        out: list[Segment] = []
        for a in done:
            code = "" if a.exit_code is None else str(a.exit_code)
            out.append(Segment(f" {st.symbol(a.status)}{code}", st.style(a.status)))
        return out

    def _group_bar(self, group: str, width: int, span: float) -> list[tuple[int, int, str, Style]]:
        assert self.snapshot is not None
        g = self.snapshot.groups[group]
        if g.start_time is None:
            return []
        stop = g.end_time if g.end_time is not None else self.now
        first = self._x(g.start_time, span, width)
        end = min(width, max(first + 1, self._x(stop, span, width)))
        return [(first, end, "▔", st.style(g.status, bold=True))]

    def _summary(self, group: str, width: int, span: float) -> tuple[Cells, list[Segment]]:
        """`_draw_summary`, kept until one of the group's tasks changes (or the scale, or "now"
        while one of them is still going)."""
        assert self.snapshot is not None
        snap = self.snapshot
        tasks = snap.groups[group].tasks
        version = self.attempts.version
        latest = max((version.get(t, 0) for t in tasks), default=0)
        going = any(not snap.tasks[t].status.finished for t in tasks)
        key = (self.attempts.resets, latest, span, width, self.now if going else None)
        cached = self._summaries.get(group)
        if cached is not None and cached[0] == key:
            return cached[1]
        drawn = self._draw_summary(group, width, span)
        self._summaries[group] = (key, drawn)
        return drawn

    def _draw_summary(self, group: str, width: int, span: float) -> tuple[Cells, list[Segment]]:
        """A folded group: per column the most telling state of its tasks' attempts (failed over
        running over completed over init over queued). A sweep over the columns where a phase
        starts or ends: O(attempts log attempts), whatever the width. The note counts the tasks
        per status."""
        assert self.snapshot is not None
        snap = self.snapshot
        now = self.now
        changes: dict[int, list[tuple[int, int]]] = {}  # column -> (layer, +1 / -1)
        last = width - 1

        def add(layer: int, a: float, b: float) -> None:  # columns exactly as `_x` gives them
            first = max(0, min(last, int(a / span * width)))
            end = max(first + 1, max(0, min(last, int(b / span * width))))
            changes.setdefault(first, []).append((layer, 1))
            changes.setdefault(end, []).append((layer, -1))

        counts: dict[str, int] = {}
        for name in snap.groups[group].tasks:
            key = str(snap.tasks[name].status)
            counts[key] = counts.get(key, 0) + 1
            for a in self.attempts.of(name):
                stop = a.end if a.end is not None else now
                run_from = a.start if a.start is not None else stop
                if a.scheduling is not None:
                    add(0, a.scheduling, a.initializing or run_from)
                if a.initializing is not None:
                    add(1, a.initializing, run_from)
                if a.start is not None:
                    done = 2 if a.status is TaskStatus.COMPLETED else 4
                    add(3 if not a.finished else done, a.start, stop)
        running = [0] * len(SUMMARY_LOOK)
        cells: list[tuple[int, int, str, Style]] = []
        cols = sorted(changes)
        for i, col in enumerate(cols):
            for layer, delta in changes[col]:
                running[layer] += delta
            top = next((k for k in range(len(running) - 1, -1, -1) if running[k] > 0), None)
            end = cols[i + 1] if i + 1 < len(cols) else width
            if top is None or end <= col:
                continue
            char, status = SUMMARY_LOOK[top]
            cells.append((col, min(end, width), char, st.style(status)))
        note = [Segment(f" {st.symbol(k)}{n}", st.style(k)) for k, n in counts.items()]
        return cells, note

    def _guides(self, span: float, width: int) -> list[int]:
        """The tick columns (cached: every row asks, per repaint)."""
        if self._guide_key != (span, width):
            self._guide_key = (span, width)
            self._guide_cols = [col for col, _label in ticks(span, width)]
        return self._guide_cols

    def _now_col(self, span: float, width: int) -> int | None:
        """The "now" line's column while the run goes on or while scrubbing."""
        snap = self.snapshot
        if snap is None or (snap.finished and not self.scrubbing) or snap.start_time is None:
            return None
        return self._x(self.now, span, width)

    def _bar_segments(
        self, cells: list[tuple[int, int, str, Style]], note: list[Segment], width: int, span: float
    ) -> list[Segment]:
        """The bar area: the runs, faint tick guides and the now line in the gaps, then the note
        right after the last run if it fits."""
        guides = self._guides(span, width)
        now = self._now_col(span, width)
        out: list[Segment] = []
        at = 0

        def gap(a: int, b: int) -> None:
            if b <= a:
                return
            text = [" "] * (b - a)
            for col in guides:
                if a <= col < b:
                    text[col - a] = "┊"
            line = "".join(text)
            if now is not None and a <= now < b:
                i = now - a
                if line[:i]:
                    out.append(Segment(line[:i], GUIDE))
                out.append(Segment("│", NOW))
                if line[i + 1 :]:
                    out.append(Segment(line[i + 1 :], GUIDE))
            else:
                out.append(Segment(line, GUIDE))

        for first, end, char, style in cells:
            gap(at, first)
            out.append(Segment(char * (end - first), style))
            at = end
        notes = self.notes_width()
        length = sum(cell_len(s.text) for s in note)
        if notes:
            gap(at, width)
            out.append(Segment(" "))
            out.extend(_cut(note, notes - 1))
            return out
        if note and length <= width - at:
            out.extend(note)
            at += length
        gap(at, width)
        return out

    def _axis(self) -> list[Segment]:
        label_w, bar_w, span = self.geometry()
        snap = self.snapshot
        assert snap is not None
        rows = len(self.rows)
        title = st.fit(f" {rows} row{'' if rows == 1 else 's'}", label_w + 1)
        text = [" "] * bar_w
        now = self._now_col(span, bar_w)
        for col, label in ticks(span, bar_w):
            if now is None or not col <= now < col + len(label):  # ▼ wins over a label
                text[col : col + len(label)] = list(label)
        out = [Segment(title, DIM), Segment("  ")]
        if now is None:
            out.append(Segment("".join(text), AXIS))
        else:
            out += [
                Segment("".join(text[:now]), AXIS),
                Segment("▼", NOW),
                Segment("".join(text[now + 1 :]), AXIS),
            ]
        return out

    def _details(self) -> list[Segment]:
        """The cursor row in full: the name (never cut here), status, and every attempt."""
        snap = self.snapshot
        row = self.current
        if snap is None or row is None:
            return []
        if row.kind == "group":
            g = snap.groups[row.group]
            times = _span_text(g.start_time, g.end_time)
            parts = [
                Segment(f"{row.group}", Style(bold=True)),
                Segment(f" · {st.symbol(g.status)} {g.status}", st.style(g.status)),
                Segment(f" · {len(g.tasks)} tasks{times}", DIM),
            ]
        else:
            task = snap.tasks[row.task]
            parts = [
                Segment(row.task, Style(bold=True)),
                Segment(f" · {st.symbol(task.status)} {task.status}", st.style(task.status)),
            ]
            for a in self.attempts.of(row.task):
                code = "" if a.exit_code is None else f" exit {a.exit_code}"
                mark = f" {st.symbol(a.status)}" if a.finished else ""
                when = _span_text(a.start if a.start is not None else a.queued, a.end)
                parts.append(Segment(f" · #{a.retry}{when}{mark}{code}", st.style(a.status)))
        if (row.task or row.group) in self._critical():
            parts.append(Segment(" · critical path", CRITICAL))
        return parts

    def _legend(self) -> list[Segment]:
        def item(char: str, status: str, text: str) -> list[Segment]:
            return [Segment(char, st.style(status)), Segment(f" {text}  ", DIM)]

        return [
            *item("░", "SCHEDULING", "queued"),
            *item("▒", "INITIALIZING", "init"),
            *item("█", "RUNNING", "running"),
            *item("█", "COMPLETED", "done"),
            *item("✖", "FAILED", "failed"),
            *item("↻", "RESCHEDULED", "retried"),
            Segment("│", NOW),
            Segment(" now  ", DIM),
            Segment("▌", CRITICAL),
            Segment(" critical path  ", DIM),
            Segment("enter", Style(bold=True)),
            Segment(" open  ", DIM),
            Segment("z", Style(bold=True)),
            Segment(" fold", DIM),
        ]

    # --- navigation --------------------------------------------------------------------------

    def body_height(self) -> int:
        return max(1, self.size.height - HEAD_LINES - self._foot_lines())

    def action_move(self, delta: int) -> None:
        if not self.rows:
            return
        self.cursor = max(0, min(len(self.rows) - 1, self.cursor + delta))
        self.follow()
        row = self.current
        if row is not None and row.kind == "task":
            self.post_message(self.TaskSelected(self, row.task, activated=False))

    def follow(self) -> None:
        """Keep the cursor row in view between the axis and the bottom lines."""
        top = self.scroll_offset.y
        rows = self.body_height()
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + rows:
            self.scroll_to(y=self.cursor - rows + 1, animate=False)
        self.refresh()

    def action_activate(self) -> None:
        row = self.current
        if row is None:
            return
        if row.kind == "group":
            self.collapsed ^= {row.group}
            self.rebuild()
            self.post_message(self.FoldToggled(self, set(self.collapsed)))
        else:
            self.post_message(self.TaskSelected(self, row.task, activated=True))

    def action_fold_all(self) -> None:
        if self.snapshot is None:
            return
        everything = {g.name for g in self.snapshot.groups.values() if len(g.tasks) > 1}
        self.collapsed = set() if self.collapsed >= everything else everything
        self.rebuild()
        self.post_message(self.FoldToggled(self, set(self.collapsed)))

    def select_task(self, name: str) -> None:
        """Put the cursor on `name` (or its folded group's row)."""
        for i, row in enumerate(self.rows):
            if row.task == name or (
                row.kind == "group"
                and row.group in self.collapsed
                and (
                    self.snapshot is not None
                    and name in self.snapshot.tasks
                    and self.snapshot.tasks[name].group == row.group
                )
            ):
                self.cursor = i
                self.follow()
                return

    def on_click(self, event: events.Click) -> None:
        """A click puts the cursor on a row; a double click opens it (like enter)."""
        if not HEAD_LINES <= event.y < self.size.height - self._foot_lines():
            return
        index = self.scroll_offset.y + event.y - HEAD_LINES
        if 0 <= index < len(self.rows):
            self.cursor = index
            self.refresh()
            row = self.rows[index]
            if event.chain >= 2:
                self.action_activate()
            elif row.kind == "task":
                self.post_message(self.TaskSelected(self, row.task, activated=False))

    def on_resize(self) -> None:
        self.set_size(0, len(self.rows) + HEAD_LINES + self._foot_lines())
        self.refresh()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()


def _cut(segments: list[Segment], width: int) -> list[Segment]:
    """The first `width` cells of `segments`, the last one an ellipsis when cut."""
    out: list[Segment] = []
    used = 0
    for seg in segments:
        n = cell_len(seg.text)
        if used + n > width:
            out.append(Segment(st.fit(seg.text, width - used), seg.style))
            break
        out.append(seg)
        used += n
    return out


def _span_text(start: float | None, end: float | None) -> str:
    if start is None:
        return ""
    stop = "…" if end is None else st.duration(end) or "0s"
    took = f" ({st.duration(end - start) or '0s'})" if end is not None else ""
    return f" {st.duration(start) or '0s'}→{stop}{took}"
