"""The pure state machine of OSMO's execution semantics (SPEC §5-§6, condensed in §5.13).

`Engine(plan)` consumes typed events (backend reports, cancel requests, fired timers), each with
its time, and returns (outputs, actions): status-change events for observers and requests for the
driver. It never reads a clock, performs IO or sleeps. Per-group counters keep every event O(size
of the group it touches), so 100,000 tasks simulate in seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, assert_never

from simulator.engine import rules
from simulator.engine.actions import (
    Action,
    ArmTimer,
    CancelTimer,
    CleanupGroup,
    CreateAttempt,
    CreateGroup,
    KillTask,
    ReleaseBarrier,
    RestartTask,
)
from simulator.engine.events import (
    CancelRequested,
    EngineInput,
    EngineOutput,
    GroupReused,
    GroupStatusChanged,
    RunFinished,
    TaskExited,
    TaskFailed,
    TaskInitializing,
    TaskReady,
    TaskReused,
    TaskRunning,
    TaskScheduling,
    TaskStatusChanged,
    TimerFired,
    WorkflowStatusChanged,
)
from simulator.engine.plan import Plan
from simulator.engine.records import GroupRecord, TaskRecord
from simulator.engine.status import TaskStatus, WorkflowStatus
from simulator.engine.timers import parse_timer_key, timer_key
from simulator.errors import OsmoTuiError

# Enum member access is slow on Python 3.11: the hot path uses module constants and frozensets.
_COMPLETED = TaskStatus.COMPLETED
_FAILED = TaskStatus.FAILED
_FAILED_CANCELED = TaskStatus.FAILED_CANCELED
_FAILED_EXEC_TIMEOUT = TaskStatus.FAILED_EXEC_TIMEOUT
_FAILED_QUEUE_TIMEOUT = TaskStatus.FAILED_QUEUE_TIMEOUT
_FAILED_SERVER_ERROR = TaskStatus.FAILED_SERVER_ERROR
_FAILED_UPSTREAM = TaskStatus.FAILED_UPSTREAM
_INITIALIZING = TaskStatus.INITIALIZING
_PROCESSING = TaskStatus.PROCESSING
_RESCHEDULED = TaskStatus.RESCHEDULED
_RUNNING = TaskStatus.RUNNING
_SCHEDULING = TaskStatus.SCHEDULING
_WAITING = TaskStatus.WAITING
_FAILED_START_TIMEOUT = TaskStatus.FAILED_START_TIMEOUT
_RANK = rules.RANKS
_FINISHED = frozenset(s for s in TaskStatus if s.finished)
_GROUP_FINISHED = frozenset(s for s in TaskStatus if s.group_finished)
_ANY_FAILED = frozenset(s for s in TaskStatus if s.failed)
_PRESCHEDULING = frozenset(s for s in TaskStatus if s.prescheduling)
_PRERUNNING = frozenset(s for s in TaskStatus if s.prerunning)
_IN_QUEUE = frozenset(s for s in TaskStatus if s.in_queue)
_CANCELED = frozenset(s for s in TaskStatus if s.canceled)
_NO_ACTIONS: list[Action] = []
"""Returned (never mutated) when an event asks for nothing."""
_GROUP_WIDE = frozenset({_FAILED_UPSTREAM, _FAILED_SERVER_ERROR})
"""Reported statuses that OSMO applies to the whole group at once (with the canceled types)."""


class CancelError(OsmoTuiError):
    """A cancel that OSMO refuses, e.g. `Workflow <id> is already finished.`"""

    exit_code = 1


class Engine:
    """OSMO's workflow/group/task state for one run of one plan."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.now = 0.0
        self.status = WorkflowStatus.PENDING
        self.finished = False
        self.groups: dict[str, GroupRecord] = {
            name: GroupRecord(g) for name, g in plan.groups.items()
        }
        self.tasks: dict[str, TaskRecord] = {}
        for tplan in plan.tasks.values():
            group = self.groups[tplan.group]
            task = TaskRecord(tplan, group)
            self.tasks[tplan.name] = task
            group.tasks.append(task)
            if task.lead:
                group.lead = task
        for group in self.groups.values():
            group.downstream = [self.groups[d] for d in group.plan.downstream]
        self._unfinished_groups = len(self.groups)
        self._running_groups = 0
        self._out: list[EngineOutput] = []
        self._act: list[Action] = []
        self._handlers: dict[type, Callable[[Any], None]] = {
            TaskScheduling: self._on_scheduling,
            TaskInitializing: self._on_initializing,
            TaskReady: self._on_ready,
            TaskRunning: self._on_running,
            TaskExited: self._on_exited,
            TaskFailed: self._on_failed,
            GroupReused: self._on_reused,
            CancelRequested: self._cancel,
            TimerFired: self._on_timer,
        }

    # --- public API ---------------------------------------------------------------------------

    def start(self, time: float) -> tuple[list[EngineOutput], list[Action]]:
        """Submit: the workflow is PENDING and every group without upstream starts."""
        self.now = time
        self._out = []
        self._out.append(WorkflowStatusChanged(time, WorkflowStatus.PENDING))
        for group in self.groups.values():
            if group.unmet == 0:
                self._start_group(group)
        self._update_workflow()  # a plan without groups is finished at once
        return self._flush()

    def handle(self, event: EngineInput) -> tuple[list[EngineOutput], list[Action]]:
        """Apply one input event (time never goes backwards) and return what followed."""
        outputs: list[EngineOutput] = []
        actions = self.feed(event, outputs)
        return outputs, (actions if actions is not _NO_ACTIONS else [])

    def feed(self, event: EngineInput, out: list[Any]) -> list[Action]:
        """`handle` for a driver that collects outputs in its own list: the outputs are appended
        to `out` (after whatever is there) and the actions returned (do not mutate them)."""
        if event.time > self.now:
            self.now = event.time
        handler = self._handlers.get(type(event))
        if handler is None:
            return _NO_ACTIONS  # TaskLog: observed, no state change
        self._out = out
        handler(event)
        actions = self._act
        if not actions:
            return _NO_ACTIONS
        self._act = []
        return actions

    def task_retry(self, name: str) -> int:
        return self.tasks[name].retry

    def task_status(self, name: str) -> TaskStatus:
        return self.tasks[name].status

    def group_status(self, name: str) -> TaskStatus:
        return self.groups[name].status

    # --- writes -----------------------------------------------------------------------------------

    def _flush(self) -> tuple[list[EngineOutput], list[Action]]:
        out, act = self._out, self._act
        self._out, self._act = [], []
        return out, act

    def _set_task(
        self, task: TaskRecord, status: TaskStatus, exit_code: int | None = None, message: str = ""
    ) -> bool:
        """Forward-only write (`rules.task_write_allowed`, inlined: it runs for every report)."""
        current = task.status
        if current is status or current in _FINISHED:
            return False
        if status in _FINISHED:
            if status is _FAILED_START_TIMEOUT and _RANK[current] > _RANK[_INITIALIZING]:
                return False
            task.status = status
            task.exit_code = exit_code
            group = task.group
            group.ndone += 1
            group.progressed = True
            if task.at_barrier:
                task.at_barrier = False
                group.waiting -= 1
        else:
            if _RANK[current] >= _RANK[status]:
                return False
            task.status = status
            if status is _RUNNING:
                task.group.progressed = True
        self._out.append(
            TaskStatusChanged(self.now, task.name, task.retry, status, exit_code, message)
        )
        return True

    def _set_group(self, group: GroupRecord, status: TaskStatus, message: str = "") -> bool:
        """Forward-only group write (`rules.group_write_allowed`, inlined)."""
        old = group.status
        if old is status or old in _GROUP_FINISHED:
            return False
        finished = status in _GROUP_FINISHED
        if not finished and _RANK[old] >= _RANK[status]:
            return False
        group.status = status
        if old is _RUNNING:
            self._running_groups -= 1
        if status is _RUNNING:
            self._running_groups += 1
        if finished:
            self._unfinished_groups -= 1
            self._act.append(CancelTimer(group.queue_key))
            self._act.append(CancelTimer(group.exec_key))
        self._out.append(GroupStatusChanged(self.now, group.name, status, message))
        return True

    def _aggregate(self, group: GroupRecord) -> TaskStatus:
        if group.ndone < len(group.tasks):
            return _RUNNING if group.progressed else _INITIALIZING
        statuses = [t.status for t in group.tasks]
        if group.plan.ignore_nonlead and group.lead is not None:
            considered = [group.lead.status]
        else:
            considered = statuses
        return rules.aggregate_finished_group(statuses, considered)

    def _update_workflow(self) -> None:
        if self.finished:
            return
        if self._unfinished_groups > 0:
            if self._running_groups > 0 and self.status is not WorkflowStatus.RUNNING:
                self.status = WorkflowStatus.RUNNING  # a computed PENDING is never written back
                self._out.append(WorkflowStatusChanged(self.now, self.status))
            return
        self.status = rules.aggregate_finished_workflow(g.status for g in self.groups.values())
        self.finished = True
        self._out.append(WorkflowStatusChanged(self.now, self.status))
        self._out.append(RunFinished(self.now, self.status))

    # --- group life -----------------------------------------------------------------------------

    def _start_group(self, group: GroupRecord) -> None:
        self._set_group(group, _PROCESSING)
        for task in group.tasks:
            self._set_task(task, _PROCESSING)
        self._act.append(CreateGroup(group.name))

    def _group_update(
        self,
        group: GroupRecord,
        status: TaskStatus,
        exit_code: int | None,
        message: str,
        *,
        force: bool = False,
        propagate: bool = True,
    ) -> None:
        """A status for the whole group: canceled types, FAILED_UPSTREAM, FAILED_SERVER_ERROR."""
        if group.status in _GROUP_FINISHED:
            return
        if status in _CANCELED and group.status is _PROCESSING and not force:
            group.pending_cancel = (status, message)
            self._act.append(
                ArmTimer(timer_key("cancel", group.name), self.now + rules.CANCEL_RETRY_DELAY)
            )
            return
        created = False
        for task in group.tasks:
            if task.status in _FINISHED:
                continue
            alive = task.status is not _WAITING
            if self._set_task(task, status, exit_code, message) and alive:
                created = True
                self._act.append(KillTask(task.name, task.retry, message))
        new = status if status in _CANCELED else self._aggregate(group)
        self._set_group(group, new, message)
        if created:
            self._act.append(CleanupGroup(group.name))
        self._update_workflow()
        if propagate:
            self._after_group(group)

    def _after_group(self, first: GroupRecord) -> None:
        """Failure propagation (FAILED_UPSTREAM, transitively) and starting downstream groups."""
        stack = [first]
        while stack:
            group = stack.pop()
            if group.status in _ANY_FAILED:
                for down in group.downstream:
                    if down.status not in _GROUP_FINISHED:
                        self._group_update(
                            down, _FAILED_UPSTREAM, 3000, rules.UPSTREAM_FAILED, propagate=False
                        )
                        stack.append(down)
            elif group.status is _COMPLETED:
                for down in group.downstream:
                    down.unmet -= 1
                    if down.unmet == 0 and down.status in _PRESCHEDULING:
                        self._start_group(down)
        self._update_workflow()

    # --- task reports -----------------------------------------------------------------------------

    def _on_exited(self, event: TaskExited) -> None:
        task = self._live(event.task, event.retry)
        if task is not None:
            status = _COMPLETED if event.exit_code == 0 else _FAILED
            self._finish(task, status, event.exit_code, "")

    def _on_failed(self, event: TaskFailed) -> None:
        task = self._live(event.task, event.retry)
        if task is None:
            return
        if event.status in _CANCELED or event.status in _GROUP_WIDE:
            self._group_update(task.group, event.status, event.exit_code, event.message)
        else:
            self._finish(task, event.status, event.exit_code, event.message)

    def _on_reused(self, event: GroupReused) -> None:
        """The whole group's result was restored from run `event.source` (docs/reuse.md): it
        runs and completes at once, as if every task had exited 0; downstream starts as after
        any COMPLETED group. Only a group whose tasks are all still PROCESSING (nothing ran,
        nothing was canceled meanwhile) can be reused; otherwise the report is stale."""
        group = self.groups.get(event.group)
        if group is None or group.status is not _PROCESSING:
            return
        if any(t.status is not _PROCESSING or t.retry for t in group.tasks):
            return
        self._set_group(group, _RUNNING)
        self._update_workflow()
        for task in group.tasks:
            self._out.append(TaskReused(self.now, task.name, event.source))
            task.released = True
            self._set_task(task, _RUNNING)
            self._set_task(task, _COMPLETED, 0)
        self._set_group(group, self._aggregate(group))
        self._update_workflow()
        self._after_group(group)

    def _on_timer(self, event: TimerFired) -> None:
        self._timer(event.key)

    def _live(self, name: str, retry: int) -> TaskRecord | None:
        task = self.tasks.get(name)
        if task is None or task.retry != retry or task.status in _FINISHED:
            return None  # a stale report (older attempt) or one after the task finished
        return task

    def _on_scheduling(self, event: TaskScheduling) -> None:
        task = self.tasks.get(event.task)
        if task is None or task.retry != event.retry or task.status in _FINISHED:
            return  # a stale report (older attempt) or one after the task finished
        if not self._set_task(task, _SCHEDULING):
            return
        group = task.group
        if group.status in _PRESCHEDULING:
            at = self.now + self.plan.queue_timeout
            self._act.append(ArmTimer(group.queue_key, at))
        if self._set_group(group, _SCHEDULING):  # in-queue statuses are written directly
            self._update_workflow()

    def _on_initializing(self, event: TaskInitializing) -> None:
        task = self.tasks.get(event.task)
        if task is None or task.retry != event.retry or task.status in _FINISHED:
            return
        if self._set_task(task, _INITIALIZING):
            group = task.group
            if self._set_group(group, _RUNNING if group.progressed else _INITIALIZING):
                self._update_workflow()

    def _to_running(self, task: TaskRecord) -> None:
        """The pod runs (inputs download, then the barrier, then the command)."""
        if self._set_task(task, _RUNNING):
            group = task.group
            if group.status in _PRERUNNING:
                self._act.append(ArmTimer(group.exec_key, self.now + self.plan.exec_timeout))
            if self._set_group(group, _RUNNING):
                self._update_workflow()

    def _on_ready(self, event: TaskReady) -> None:
        task = self.tasks.get(event.task)
        if task is None or task.retry != event.retry or task.status in _FINISHED:
            return
        self._to_running(task)
        if task.released:
            return
        group = task.group
        if group.barrier:
            if not task.at_barrier:
                task.at_barrier = True
                group.waiting += 1
                group.queued.append(task)
            self._notify_barrier(group)
        else:
            task.released = True
            self._act.append(ReleaseBarrier(task.name, task.retry))

    def _on_running(self, event: TaskRunning) -> None:
        task = self._live(event.task, event.retry)
        if task is not None:
            self._to_running(task)
            task.released = True

    def _notify_barrier(self, group: GroupRecord) -> None:
        """Release everyone waiting once the set covers every task not finished (§5.3)."""
        if not group.queued or group.waiting < len(group.tasks) - group.ndone:
            return
        queued, group.queued = group.queued, []
        for task in queued:
            if task.at_barrier and not task.released and task.status not in _FINISHED:
                task.released = True
                self._act.append(ReleaseBarrier(task.name, task.retry))

    def _clear_barrier(self, group: GroupRecord) -> None:
        """Delete the barrier set; tasks still waiting for it keep waiting (they re-join)."""
        for task in group.tasks:
            if task.at_barrier and task.released:
                task.at_barrier = False
                group.waiting -= 1

    def _finish(
        self, task: TaskRecord, status: TaskStatus, exit_code: int | None, message: str
    ) -> None:
        """A terminal report for the latest attempt: exit actions, lead rules, aggregation (§5.4)."""
        group = task.group
        if exit_code is not None:
            status, message = rules.apply_exit_actions(
                status,
                exit_code,
                message,
                task_actions=task.plan.exit_actions,
                default_actions=self.plan.default_exit_actions,
                retry=task.retry,
                max_retry=self.plan.max_retry,
            )
        cleanup = False
        if group.barrier and task.lead:
            self._clear_barrier(group)
        if not self._set_task(task, status, exit_code, message):
            return
        if status is _RESCHEDULED:
            if task.lead or not group.plan.ignore_nonlead:
                self._clear_barrier(group)
                self._restart_others(group, task)
            self._retry(task)
        elif task.lead:
            sibling = _FAILED if status in _ANY_FAILED else status
            cleanup = self._set_siblings(group, task, sibling, rules.LEAD_FINISHED)
        elif status in _ANY_FAILED and not group.plan.ignore_nonlead:
            message = rules.nonlead_failed_message(task.name)
            cleanup = self._set_siblings(group, task, _FAILED, message)
        self._notify_barrier(group)
        if status is _RESCHEDULED and group.status in _PRERUNNING:
            self._act.append(ArmTimer(group.exec_key, self.now + self.plan.exec_timeout))
        self._set_group(group, self._aggregate(group))
        if cleanup:
            self._act.append(CleanupGroup(group.name))
        self._update_workflow()
        self._after_group(group)

    def _set_siblings(
        self, group: GroupRecord, task: TaskRecord, status: TaskStatus, message: str
    ) -> bool:
        """Set every unfinished sibling at once and kill it; the group's pods are deleted."""
        for other in group.tasks:
            if other is not task and other.status not in _FINISHED:
                alive = other.status is not _WAITING
                if self._set_task(other, status, None, message) and alive:
                    self._act.append(KillTask(other.name, other.retry, message))
        return True

    def _restart_others(self, group: GroupRecord, task: TaskRecord) -> None:
        """`restart` action: skipped for a task whose command has not started yet (§5.7)."""
        for other in group.tasks:
            if other is not task and other.status not in _FINISHED and other.released:
                other.released = False
                if other.at_barrier:
                    other.at_barrier = False
                    group.waiting -= 1
                self._act.append(RestartTask(other.name, other.retry))

    def _retry(self, task: TaskRecord) -> None:
        """A new attempt: same name, retry+1, inserted PROCESSING (§5.7)."""
        task.retry += 1
        task.status = _PROCESSING
        task.exit_code = None
        task.released = False
        task.group.ndone -= 1
        self._out.append(TaskStatusChanged(self.now, task.name, task.retry, _PROCESSING))
        self._act.append(CreateAttempt(task.name, task.retry))

    # --- cancel and timers ------------------------------------------------------------------------

    def _cancel(self, event: CancelRequested) -> None:
        message = rules.cancel_message(event.user or "osmo-tui", event.message)
        if event.scope == "workflow":
            if self.finished:
                raise CancelError(f"Workflow {self.plan.workflow_id} is already finished.")
            touched = []
            for group in self.groups.values():
                if group.status not in _GROUP_FINISHED:
                    self._group_update(
                        group, _FAILED_CANCELED, None, message, force=event.force, propagate=False
                    )
                    touched.append(group)
            for group in touched:
                self._after_group(group)
        elif event.scope == "group":
            target = self.groups.get(event.name)
            if target is None:
                raise CancelError(f"Group {event.name} does not exist.")
            if target.status in _GROUP_FINISHED:
                raise CancelError(f"Group {event.name} is already finished.")
            self._group_update(target, _FAILED_CANCELED, None, message, force=event.force)
        elif event.scope == "task":
            task = self.tasks.get(event.name)
            if task is None:
                raise CancelError(f"Task {event.name} does not exist.")
            if task.status in _FINISHED:
                raise CancelError(f"Task {event.name} is already finished.")
            if task.status is _WAITING:
                raise CancelError(
                    f"Task {event.name} has not started yet: cancel its group "
                    f"{task.group.name} or the workflow."
                )
            self._act.append(KillTask(task.name, task.retry, message))
            self._finish(task, _FAILED_CANCELED, None, message)
        else:
            raise CancelError(f"Unknown cancel scope {event.scope!r}: use workflow, group or task.")

    def _timer(self, key: str) -> None:
        parsed = parse_timer_key(key)
        if parsed is None:
            return
        kind, name = parsed
        group = self.groups.get(name)
        if group is None or group.status in _GROUP_FINISHED:
            return
        match kind:
            case "queue":
                if group.status is _SCHEDULING:
                    message = rules.queue_timeout_message(self.plan.queue_timeout_text)
                    self._group_update(group, _FAILED_QUEUE_TIMEOUT, None, message)
            case "exec":
                message = rules.exec_timeout_message(self.plan.exec_timeout_text)
                self._group_update(group, _FAILED_EXEC_TIMEOUT, None, message)
            case "cancel":
                if group.pending_cancel is not None:
                    status, message = group.pending_cancel
                    group.pending_cancel = None
                    self._group_update(group, status, None, message)
            case _:
                assert_never(kind)
