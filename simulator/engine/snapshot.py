"""The state of a run as every observer sees it: `fold(snapshot, event)` over the event stream.

`fold` mutates and returns the snapshot: with 100,000 tasks copying per event would dominate.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import assert_never

from simulator.engine.events import (
    CancelRequested,
    Event,
    GroupReused,
    GroupStatusChanged,
    RunFinished,
    RunStarted,
    RunWarning,
    TaskExited,
    TaskFailed,
    TaskInitializing,
    TaskLog,
    TaskReady,
    TaskReused,
    TaskRunning,
    TaskScheduling,
    TaskStatusChanged,
    TimerFired,
    WorkflowStatusChanged,
)
from simulator.engine.plan import Plan
from simulator.engine.status import TaskStatus, WorkflowStatus


@dataclass(slots=True)
class TaskState:
    name: str
    group: str
    lead: bool
    status: TaskStatus = TaskStatus.WAITING
    exit_code: int | None = None
    retries: int = 0
    start_time: float | None = None
    """When the latest attempt's command first ran (RUNNING)."""
    end_time: float | None = None
    message: str = ""
    node: str = ""
    placement: str = ""
    """Why the backend placed it there."""
    reused_from: str | None = None
    """The run id whose result was restored instead of running it (None: it ran)."""


@dataclass(slots=True)
class GroupState:
    name: str
    tasks: tuple[str, ...]
    lead: str
    upstream: tuple[str, ...]
    status: TaskStatus = TaskStatus.WAITING
    start_time: float | None = None
    end_time: float | None = None
    message: str = ""


@dataclass(slots=True)
class RunSnapshot:
    workflow: str
    workflow_id: str
    groups: dict[str, GroupState]
    tasks: dict[str, TaskState]
    backend: str = ""
    status: WorkflowStatus = WorkflowStatus.PENDING
    time: float = 0.0
    start_time: float | None = None
    end_time: float | None = None
    warnings: list[str] = field(default_factory=list)
    events: int = 0
    finished: bool = False

    @classmethod
    def from_plan(cls, plan: Plan) -> RunSnapshot:
        groups = {
            g.name: GroupState(g.name, g.tasks, g.lead, g.upstream) for g in plan.groups.values()
        }
        tasks = {t.name: TaskState(t.name, t.group, t.lead) for t in plan.tasks.values()}
        return cls(plan.workflow, plan.workflow_id, groups, tasks)

    def counts(self) -> Counter[TaskStatus]:
        """Tasks per status (the header's counters)."""
        return Counter(t.status for t in self.tasks.values())


def fold(snap: RunSnapshot, event: Event) -> RunSnapshot:
    """Apply one event to the snapshot (in place) and return it."""
    snap.events += 1
    snap.time = max(snap.time, event.time)
    match event:  # the most frequent kinds first: each case is an isinstance check
        case TaskStatusChanged():
            _fold_task(snap.tasks[event.task], event)
        case (
            TaskLog()
            | TaskScheduling()
            | TaskReady()
            | TaskRunning()
            | TaskExited()
            | TaskFailed()
            | GroupReused()
            | CancelRequested()
            | TimerFired()
        ):
            pass  # engine inputs: what they changed arrives as status events
        case GroupStatusChanged():
            group = snap.groups[event.group]
            group.status = event.status
            if event.message:
                group.message = event.message
            if event.status is TaskStatus.RUNNING and group.start_time is None:
                group.start_time = event.time
            if event.status.group_finished:
                group.end_time = event.time
        case WorkflowStatusChanged():
            snap.status = event.status
            if event.status is WorkflowStatus.RUNNING and snap.start_time is None:
                snap.start_time = event.time
            if event.status.finished:
                snap.end_time = event.time
        case TaskInitializing():
            task = snap.tasks[event.task]
            task.node, task.placement = event.node, event.reason
        case TaskReused():
            snap.tasks[event.task].reused_from = event.source
        case RunStarted():
            snap.backend = event.backend
            snap.workflow_id = event.workflow_id
        case RunWarning():
            snap.warnings.append(event.message)
        case RunFinished():
            snap.status = event.status
            snap.finished = True
        case _:
            assert_never(event)
    return snap


def _fold_task(task: TaskState, event: TaskStatusChanged) -> None:
    if event.retry > task.retries:
        task.retries = event.retry
        task.start_time = task.end_time = None
        task.exit_code = None
        task.message = ""  # a new attempt: the old attempt's message no longer applies
    task.status = event.status
    if event.message:
        task.message = event.message
    if event.status is TaskStatus.RUNNING and task.start_time is None:
        task.start_time = event.time
    if event.status.finished:
        task.end_time = event.time
        task.exit_code = event.exit_code
