"""TaskDetail: the selected task's state, end reason, placement, resources, live log and spec."""

from __future__ import annotations

import re
from typing import Any

from rich.cells import cell_len
from rich.markup import escape
from rich.segment import Segment
from rich.style import Style
from rich.syntax import Syntax
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Static, TabbedContent, TabPane

from osmo_tui.app import style as st
from osmo_tui.app.attempts import Attempt, AttemptLog
from osmo_tui.app.widgets.lines import LinesView
from simulator.engine.plan import TaskPlan
from simulator.engine.snapshot import RunSnapshot

ERROR_LINE = re.compile(r"\bERROR\b|\b[Ee]rror:|^Traceback|\b[A-Z]\w*(?:Error|Exception):")
"""Lines worth a highlight: `ERROR`, `error:`, a Python traceback and its exception line."""
ERROR_STYLE = Style(color="#ff5f5f", bold=True)
STDERR_STYLE = Style(color="#d7875f")
MATCH_STYLE = Style(reverse=True)
MAX_LINES = 5000


def is_error_line(line: str) -> bool:
    return ERROR_LINE.search(line) is not None


class LogView(LinesView):
    """The task's in-memory lines (with a search, only those containing it), error lines
    highlighted. It follows new lines until scrolled up; then it counts what arrives below
    (`unseen`) and End (or G) follows again."""

    BINDINGS = [
        Binding("end,G", "follow", "Follow", show=False),
    ]

    class FollowChanged(Message):
        """Following stopped or resumed, or lines arrived below while not following."""

        def __init__(self, view: LogView) -> None:
            super().__init__()
            self.view = view

        @property
        def control(self) -> LogView:
            return self.view

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.needle = ""
        self.seen = 0
        """How many of the task's lines (ever received) this view has taken in."""
        self.lines: list[str] = []
        self.follow = True
        self.unseen = 0
        """Lines that arrived below the view since it stopped following."""
        self._width = 0

    def reset(self, lines: list[str], total: int, needle: str = "") -> None:
        self.needle = needle.lower()
        self.lines, self._width, self.unseen = [], 0, 0
        self._set_follow(True)
        self.append(lines, total)

    def append(self, lines: list[str], total: int) -> None:
        self.seen = total
        if self.needle:
            lines = [line for line in lines if self.needle in line.lower()]
        if not lines and self.lines:
            return
        self.lines.extend(lines)
        if len(self.lines) > MAX_LINES:
            del self.lines[: len(self.lines) - MAX_LINES]
        if lines:
            self._width = max(self._width, max(cell_len(line) for line in lines))
        self.set_size(self._width, len(self.lines))
        if self.follow:
            self.scroll_end(animate=False, immediate=False, x_axis=False)
        elif lines:
            self.unseen += len(lines)
            self.post_message(self.FollowChanged(self))
        self.refresh()

    def line(self, y: int) -> list[Segment]:
        text = self.lines[y]
        if is_error_line(text):
            return [Segment(text, ERROR_STYLE)]
        style = STDERR_STYLE if text.startswith("! ") or "] ! " in text[:12] else None
        if self.needle:
            at = text.lower().find(self.needle)
            if at >= 0:
                end = at + len(self.needle)
                return [
                    Segment(text[:at], style),
                    Segment(text[at:end], MATCH_STYLE),
                    Segment(text[end:], style),
                ]
        return [Segment(text, style)]

    def first_error(self) -> int | None:
        """The first highlighted line (else the first stderr line), for `w`'s jump."""
        for index, text in enumerate(self.lines):
            if is_error_line(text):
                return index
        for index, text in enumerate(self.lines):
            if text.startswith("! ") or "] ! " in text[:12]:
                return index
        return None

    def show_line(self, index: int) -> None:
        """Stop following and bring line `index` to the top third of the view."""
        self._set_follow(False)
        height = self.scrollable_content_region.height or self.size.height
        self.scroll_to(y=max(0, index - height // 3), animate=False, immediate=True)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if new_value >= self.max_scroll_y:
            self._set_follow(True)  # at the bottom (scrolled there, or End): follow again
        elif new_value < old_value:
            self._set_follow(False)  # the user went up to read

    def action_follow(self) -> None:
        self._set_follow(True)
        self.scroll_end(animate=False, immediate=True, x_axis=False)

    def _set_follow(self, follow: bool) -> None:
        if follow == self.follow and (not follow or not self.unseen):
            return
        self.follow = follow
        if follow:
            self.unseen = 0
        self.post_message(self.FollowChanged(self))

    def status(self) -> str:
        """What the line under the log says ('' while following)."""
        if self.follow:
            return ""
        more = f"{self.unseen} new line{'s' if self.unseen != 1 else ''} ↓  " if self.unseen else ""
        return f"{more}(End to follow)"


def spec_text(plan: TaskPlan) -> str:
    """The task's spec after token substitution, as YAML (what the backend will run); scripts
    keep their lines (block style), as the user wrote them."""
    import yaml

    class Dumper(yaml.SafeDumper):
        pass

    def text(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
        style = "|" if "\n" in data else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)

    Dumper.add_representer(str, text)
    spec: Any = plan.spec
    if spec is None:
        return "# no spec (plan built without the spec layer)"
    data = spec.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    dumped: str = yaml.dump(data, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=100)
    return dumped


def info_markup(
    snap: RunSnapshot, plan: TaskPlan, badge: str, log_path: str, attempts: list[Attempt]
) -> str:
    """The facts about one task, as console markup."""
    task = snap.tasks[plan.name]
    res = plan.resource
    parts = [f"cpu {res.cpu}" if res.cpu else "", f"gpu {res.gpu}" if res.gpu else ""]
    if res.memory:
        parts.append(f"memory {res.memory / 2**30:g}Gi")
    if res.storage:
        parts.append(f"storage {res.storage / 2**30:g}Gi")
    if res.platform:
        parts.append(f"platform {res.platform}")
    resources = ", ".join(p for p in parts if p) or "defaults"
    end = task.message or ("—" if not task.status.finished else "exited")
    exit_code = "" if task.exit_code is None else f"  exit {task.exit_code}"
    retries = f"  retries {task.retries}" if task.retries else ""
    lead = "  [#d7af00]★ lead[/]" if task.lead else ""
    extra = f"  {escape(badge.strip())}" if badge.strip() else ""
    lines = [
        f"[b]{escape(task.name)}[/b]{lead}  group [b]{escape(task.group)}[/b]",
        f"status  {st.markup(task.status)}{exit_code}{retries}",
        f"time    {timing(task.start_time, task.end_time, snap.time)}",
        f"ended   {escape(end)}",
    ]
    if len(attempts) > 1 or (attempts and attempts[0].retry):
        lines.append(f"tries   {attempts_markup(attempts)}")
    lines += [
        f"runs    {escape(task.node or '—')}  {escape(task.placement)}",
        f"needs   {escape(resources)} ({escape(plan.resource_name)}){extra}",
        f"inputs  {escape(', '.join(plan.inputs) or '—')}",
    ]
    if log_path:
        lines.append(f"log     {escape(log_path)}")
    return "\n".join(lines)


def timing(start: float | None, end: float | None, now: float) -> str:
    """`started t+12s  ran 30s` (still running: `running for 30s`)."""
    if start is None:
        return "not started"
    began = f"started t+{st.duration(start) or '0s'}"
    if end is None:
        return f"{began}  running for {st.duration(max(0.0, now - start)) or '0s'}"
    return f"{began}  ran {st.duration(end - start) or '0s'}"


def attempts_markup(attempts: list[Attempt]) -> str:
    """Every attempt: `#0 ✖ FAILED exit 3 ran 10s · #1 ✔ COMPLETED exit 0 ran 12s`."""
    out = []
    for attempt in attempts:
        code = "" if attempt.exit_code is None else f" exit {attempt.exit_code}"
        ran = ""
        if attempt.start is not None and attempt.end is not None:
            ran = f" [{st.MUTED}]ran {st.duration(attempt.end - attempt.start) or '0s'}[/]"
        out.append(f"#{attempt.retry} {st.markup(str(attempt.status))}{code}{ran}")
    return " · ".join(out)


class TaskDetail(Vertical):
    """Info on top (and, after `w`, why the run failed), then Log / Spec tabs."""

    DEFAULT_CSS = """
    TaskDetail #task-cause { color: #ff8700; display: none; }
    TaskDetail #log-status { color: #d7af00; display: none; height: 1; }
    TaskDetail LogView { height: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.task_name: str | None = None
        self.note = ""
        """A line about the task from elsewhere (its port forward, `osmo_tui.app.shell`)."""

    def compose(self) -> ComposeResult:
        yield Static("Select a task (enter in the graph or the table).", id="task-info")
        yield Static("", id="task-cause")
        with TabbedContent(id="task-tabs"):
            with TabPane("Log", id="tab-log"):
                yield LogView(id="task-log")
                yield Static("", id="log-status")
            with TabPane("Spec", id="tab-spec"), VerticalScroll():
                yield Static("", id="task-spec")

    def _attempts(self, task: str) -> list[Attempt]:
        """Every attempt of the task so far (the app's session keeps them)."""
        session = getattr(self.app, "session", None)
        attempts = getattr(session, "attempts", None)
        return list(attempts.of(task)) if isinstance(attempts, AttemptLog) else []

    def show(
        self,
        snap: RunSnapshot,
        plan: TaskPlan,
        *,
        badge: str,
        log_lines: list[str],
        log_total: int,
        log_path: str,
        needle: str = "",
    ) -> None:
        """Show `plan.name` afresh (selection changed)."""
        if plan.name != self.task_name:
            self.set_cause("")
        self.task_name = plan.name
        self._info(info_markup(snap, plan, badge, log_path, self._attempts(plan.name)))
        self.query_one(LogView).reset(log_lines, log_total, needle)
        syntax = Syntax(spec_text(plan), "yaml", theme="ansi_dark", word_wrap=True)
        self.query_one("#task-spec", Static).update(syntax)

    def set_cause(self, text: str) -> None:
        """A line above the tabs saying why the run failed (`w`), or nothing."""
        cause = self.query_one("#task-cause", Static)
        cause.update(text)
        cause.display = bool(text)

    @property
    def log_seen(self) -> int:
        return self.query_one(LogView).seen

    def refresh_info(
        self,
        snap: RunSnapshot,
        plan: TaskPlan,
        *,
        badge: str,
        new_lines: list[str],
        log_total: int,
        log_path: str,
    ) -> None:
        """Same task, new events: update the facts and append the new log lines."""
        self._info(info_markup(snap, plan, badge, log_path, self._attempts(plan.name)))
        self.query_one(LogView).append(new_lines, log_total)

    def _info(self, markup: str) -> None:
        note = f"\nforward {escape(self.note)}" if self.note else ""
        self.query_one("#task-info", Static).update(markup + note)

    def on_log_view_follow_changed(self, message: LogView.FollowChanged) -> None:
        status = self.query_one("#log-status", Static)
        text = message.view.status()
        status.update(text)
        status.display = bool(text)
