"""Which container or pod a task of a live run is in: the one answer `workflow exec`,
`workflow port-forward` and the app's `s`/`p` work from.

A run answers from its own backend (`Run.locate`); the caller then talks to Docker or Kubernetes
directly (`simulator.run.attach`). A task that has no process to enter is one clear line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from simulator.engine.port import Target
from simulator.engine.snapshot import RunSnapshot
from simulator.errors import OsmoTuiError
from simulator.run.runs import Run

NO_CONTAINER = "no container: the simulator runs no tasks"
KEEP_HINT = "run it with --keep-failed to keep a failed task's container"


class NotEnterable(OsmoTuiError):
    """The task exists but has no process to enter now (not started, or ended)."""


@dataclass(frozen=True, slots=True)
class Located:
    task: str
    retry: int
    status: str
    target: Target

    def to_json(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "retry": self.retry,
            "status": self.status,
            "target": self.target.to_json(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Located:
        target = Target.from_json(dict(data["target"]))
        return cls(str(data["task"]), int(data["retry"]), str(data["status"]), target)


def tasks_of(snap: RunSnapshot, task: str | None, group: str | None) -> list[str]:
    """`task` (of `group` when both are given), else every task of `group`, lead first."""
    if task:
        state = snap.tasks.get(task)
        if state is None:
            raise OsmoTuiError(f"no task {task!r} in workflow {snap.workflow_id}")
        if group and state.group != group:
            raise OsmoTuiError(f"task {task!r} is in group {state.group!r}, not {group!r}")
        return [task]
    if not group:
        raise OsmoTuiError("name a task (or a group with --group)")
    found = snap.groups.get(group)
    if found is None:
        raise OsmoTuiError(f"no group {group!r} in workflow {snap.workflow_id}")
    return [found.lead, *(t for t in found.tasks if t != found.lead)]


def locate(run: Run, snap: RunSnapshot, task: str | None, group: str | None) -> list[Located]:
    """The asked-for task's container or pod (a group: of each of its tasks that has one);
    `NotEnterable` when there is none."""
    if run.backend == "sim":
        raise OsmoTuiError(NO_CONTAINER)
    names = tasks_of(snap, task, group)
    out, why = [], ""
    for name in names:
        state = snap.tasks[name]
        target = run.locate(name, state.retries)
        if target is None or not (target.running or target.kept):
            why = why or not_enterable(name, str(state.status), state.status.finished)
            continue  # a whole group: the tasks that have a container
        out.append(Located(name, state.retries, str(state.status), target))
    if not out:
        raise NotEnterable(why if len(names) == 1 else f"no task of group {group} is running")
    return out


def not_enterable(task: str, status: str, finished: bool) -> str:
    if status == "RUNNING":  # its container is being stopped (a cancel on its way)
        return f"task {task} is stopping: its container is going away"
    if not finished:
        return f"task {task} is not running yet ({status})"
    hint = f"; {KEEP_HINT}" if status in ("FAILED", "FAILED_EVICTED") else ""
    return f"task {task} has ended ({status}): its container is gone{hint}"
