"""Root cause in one key (`w`): from a task that failed because of another, the task that failed
first, its error line and why it failed (for the simulator, the same reason `--explain` gives)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from osmo_tui.app import style as st
from simulator.engine.plan import Plan
from simulator.engine.snapshot import RunSnapshot, TaskState
from simulator.engine.status import TaskStatus

if TYPE_CHECKING:
    from osmo_tui.app.screens.main import MainScreen


def _ancestors(plan: Plan, group: str) -> list[str]:
    """`group` and every group upstream of it."""
    seen, todo = [group], [group]
    while todo:
        for up in plan.groups[todo.pop()].upstream:
            if up not in seen:
                seen.append(up)
                todo.append(up)
    return seen


def _origin(task: TaskState) -> bool:
    """A failure of the task's own (not inherited from upstream)."""
    return task.status.failed and task.status is not TaskStatus.FAILED_UPSTREAM


def first_failure(plan: Plan, snap: RunSnapshot, name: str) -> str | None:
    """The task whose failure reached `name` first: the earliest-ended own failure in its
    group or upstream of it (a task that failed itself is its own cause); anywhere in the run
    when none is upstream (a workflow-wide cancel); None when nothing failed."""
    task = snap.tasks[name]
    if _origin(task):
        return name

    def earliest(names: list[str]) -> str | None:
        failed = [snap.tasks[n] for n in names if _origin(snap.tasks[n])]
        failed.sort(key=lambda t: t.end_time if t.end_time is not None else math.inf)
        return failed[0].name if failed else None

    upstream = [t for g in _ancestors(plan, task.group) for t in plan.groups[g].tasks]
    return earliest(upstream) or earliest(list(plan.tasks))


def reason(snap: RunSnapshot, name: str, explained: str = "") -> str:
    """`train failed first: ✖ FAILED exit 3 at t+30s (message); scenario: ...`."""
    task = snap.tasks[name]
    code = "" if task.exit_code is None else f" exit {task.exit_code}"
    when = f" at t+{st.duration(task.end_time) or '0s'}" if task.end_time is not None else ""
    text = f"{name} failed first: {task.status}{code}{when}"
    if task.message:
        text += f" ({task.message})"
    if explained:
        text += f"; {explained}"
    return text


def explained(screen: MainScreen, name: str) -> str:
    """The simulator's own reason for the task (`simulate --explain`), '' on other backends."""
    from simulator.run.explain import explain

    session = screen.osmo.session
    prepared, run = session.prepared, session.run
    if prepared is None or run is None or run.backend != "sim":
        return ""
    try:
        lines = explain(prepared)
    except Exception:  # an explanation is a nicety: never a crash
        return ""
    prefix = f"{name}: "
    return next((line[len(prefix) :] for line in lines if line.startswith(prefix)), "")


def jump(screen: MainScreen) -> None:
    """Select the first failure behind the selected task, open its log at its error line and
    say why it failed."""
    from textual.widgets import TabbedContent

    from osmo_tui.app.widgets.task_detail import LogView, TaskDetail

    session, snap = screen.osmo.session, screen.view_snapshot()
    if session.plan is None or snap is None:
        return
    start = screen.selected
    if start is None or start not in snap.tasks:
        failed = [t for t in snap.tasks.values() if t.status.failed]
        start = failed[0].name if failed else None
    root = first_failure(session.plan, snap, start) if start is not None else None
    if root is None or start is None:
        screen.notify("Nothing has failed", severity="information", timeout=3)
        return
    text = reason(snap, root, explained(screen, root))
    if start != root:
        text = f"{start} is {snap.tasks[start].status} because {text}"
    screen.selected = root
    screen.query_one("#views", TabbedContent).active = "task"
    screen.query_one("#task-tabs", TabbedContent).active = "tab-log"
    screen._show_task(fresh=True)
    detail = screen.query_one(TaskDetail)
    detail.set_cause(f"✖ {text}")
    log = screen.query_one(LogView)
    line = log.first_error()
    if line is not None:
        screen.call_after_refresh(log.show_line, line)
    log.focus()
    screen.notify(text, title="Root cause", severity="error", timeout=6)
