"""TaskDetail: the selected task's state, end reason, placement, resources, live log and spec."""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from rich.syntax import Syntax
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Log, Static, TabbedContent, TabPane

from osmo_tui.app import style as st
from simulator.engine.plan import TaskPlan
from simulator.engine.snapshot import RunSnapshot


class LogView(Log):
    """The task's in-memory lines; with a search, only the lines containing it."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, max_lines=5000, highlight=False)
        self.needle = ""
        self.seen = 0
        """How many of the task's lines (ever received) this view has taken in."""

    def reset(self, lines: list[str], total: int, needle: str = "") -> None:
        self.needle = needle.lower()
        self.clear()
        self.append(lines, total)

    def append(self, lines: list[str], total: int) -> None:
        self.seen = total
        if self.needle:
            lines = [line for line in lines if self.needle in line.lower()]
        if lines:
            self.write_lines(lines)


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


def info_markup(snap: RunSnapshot, plan: TaskPlan, badge: str, log_path: str) -> str:
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
        f"ended   {escape(end)}",
        f"runs    {escape(task.node or '—')}  {escape(task.placement)}",
        f"needs   {escape(resources)} ({escape(plan.resource_name)}){extra}",
        f"inputs  {escape(', '.join(plan.inputs) or '—')}",
    ]
    if log_path:
        lines.append(f"log     {escape(log_path)}")
    return "\n".join(lines)


class TaskDetail(Vertical):
    """Info on top, then Log / Spec tabs."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.task_name: str | None = None
        self.note = ""
        """A line about the task from elsewhere (its port forward, `osmo_tui.app.shell`)."""

    def compose(self) -> ComposeResult:
        yield Static("Select a task (enter in the graph or the table).", id="task-info")
        with TabbedContent(id="task-tabs"):
            with TabPane("Log", id="tab-log"):
                yield LogView(id="task-log")
            with TabPane("Spec", id="tab-spec"), VerticalScroll():
                yield Static("", id="task-spec")

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
        self.task_name = plan.name
        self._info(info_markup(snap, plan, badge, log_path))
        self.query_one(LogView).reset(log_lines, log_total, needle)
        syntax = Syntax(spec_text(plan), "yaml", theme="ansi_dark", word_wrap=True)
        self.query_one("#task-spec", Static).update(syntax)

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
        self._info(info_markup(snap, plan, badge, log_path))
        self.query_one(LogView).append(new_lines, log_total)

    def _info(self, markup: str) -> None:
        note = f"\nforward {escape(self.note)}" if self.note else ""
        self.query_one("#task-info", Static).update(markup + note)
