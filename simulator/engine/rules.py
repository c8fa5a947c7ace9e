"""OSMO's pure decision rules: exit actions (§5.6), task forward-only writes (§6.2), group (§6.4)
and workflow (§6.5) status aggregation, and the messages OSMO writes with them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from simulator.engine.plan import ExitActions
from simulator.engine.status import TaskStatus, WorkflowStatus

TS = TaskStatus

LEAD_FINISHED = "Lead task finished"
UPSTREAM_FAILED = "Upstream task failed."
CANCEL_RETRY_DELAY = 60.0
"""OSMO re-queues a cancel of a group still PROCESSING after one minute (SPEC §5.10)."""

_ACTION_STATUS = {"COMPLETE": TS.COMPLETED, "FAIL": TS.FAILED, "RESCHEDULE": TS.RESCHEDULED}

_RANK = {
    TS.SUBMITTING: 0,
    TS.WAITING: 1,
    TS.PROCESSING: 2,
    TS.SCHEDULING: 3,
    TS.INITIALIZING: 4,
    TS.RUNNING: 5,
}
"""Order of the alive statuses; every finished status ranks above them all."""
RANKS = {**_RANK, **{s: 6 for s in TS if s not in _RANK}}
"""Rank of every status (finished ones share the top rank)."""

_FINISHED = frozenset(s for s in TS if s.finished)
_GROUP_FINISHED = frozenset(s for s in TS if s.group_finished)
_START_TIMEOUT = TS.FAILED_START_TIMEOUT
_INIT_RANK = _RANK[TS.INITIALIZING]


def rank(status: TaskStatus) -> int:
    return _RANK.get(status, 6)


def task_write_allowed(current: TaskStatus, new: TaskStatus) -> bool:
    """`Task.update_status_to_db`: forward-only; finished never changes; same status is a no-op."""
    if current is new or current in _FINISHED:
        return False
    if new in _FINISHED:
        return new is not _START_TIMEOUT or _RANK[current] <= _INIT_RANK
    return _RANK[current] < _RANK[new]


def group_write_allowed(current: TaskStatus, new: TaskStatus) -> bool:
    """Groups move forward only and never leave a terminal status."""
    if current is new or current in _GROUP_FINISHED:
        return False
    return new in _GROUP_FINISHED or _RANK[current] < _RANK[new]


def cancel_message(user: str, message: str) -> str:
    return f"Task was canceled by user: {user}. {message}".rstrip()


def nonlead_failed_message(task: str) -> str:
    return f"Task {task} Failed."


def queue_timeout_message(limit: str) -> str:
    return f"Task stayed in queue longer than the set limit of {limit}."


def start_timeout_message(limit: str) -> str:
    """FAILED_START_TIMEOUT: placed, but still pulling or creating after `max_pod_restart_limit`
    (OSMO sets no text of its own we could find; this one says what happened)."""
    return f"Task did not start within {limit} (still initializing)."


def exec_timeout_message(limit: str) -> str:
    return f"Task ran longer than the set limit of {limit}."


def find_exit_action(actions: ExitActions, code: int) -> str | None:
    """The first action (in the spec's order) whose ranges contain `code`; `10-1` never matches."""
    for action, ranges in actions:
        for lo, hi in ranges:
            if lo <= code <= hi:
                return action
    return None


def apply_exit_actions(
    status: TaskStatus,
    exit_code: int,
    message: str,
    *,
    task_actions: ExitActions,
    default_actions: ExitActions,
    retry: int,
    max_retry: int,
) -> tuple[TaskStatus, str]:
    """`UpdateGroup._apply_exit_action`: the task's actions, else the pool's defaults."""
    action = find_exit_action(task_actions, exit_code)
    if action is None:
        action = find_exit_action(default_actions, exit_code)
    if action is None:
        return status, message
    target = _ACTION_STATUS[action]
    if target is status:
        return status, message
    if target is TS.RESCHEDULED and retry >= max_retry:
        return status, _join(message, f"No exit action applied due to retry limit {max_retry}.")
    return target, _join(message, f"Exit Action: {action} the task for exit code {exit_code}.")


def _join(first: str, second: str) -> str:
    return f"{first} {second}" if first else second


def aggregate_finished_group(
    statuses: Sequence[TaskStatus], considered: Iterable[TaskStatus]
) -> TaskStatus:
    """`TaskGroup._aggregate_status` once every task (latest retry) has finished."""
    present = set(statuses)
    if TS.FAILED_UPSTREAM in present:
        return TS.FAILED_UPSTREAM
    if TS.FAILED_SERVER_ERROR in present:
        return TS.FAILED_SERVER_ERROR
    if TS.FAILED_PREEMPTED in present:
        return TS.FAILED_PREEMPTED
    chosen = set(considered)
    if TS.FAILED_EVICTED in chosen:
        return TS.FAILED_EVICTED
    if any(s.failed for s in chosen):
        return TS.FAILED
    return TS.COMPLETED


def aggregate_finished_workflow(statuses: Iterable[TaskStatus]) -> WorkflowStatus:
    """`Workflow._aggregate_status` once every group has finished, in OSMO's precedence."""
    kinds = set(statuses)
    for special in (
        TS.FAILED_CANCELED,
        TS.FAILED_SERVER_ERROR,
        TS.FAILED_EXEC_TIMEOUT,
        TS.FAILED_QUEUE_TIMEOUT,
    ):
        if special in kinds:
            return WorkflowStatus(special.value)
    failed = {s for s in kinds if s.failed and s is not TS.FAILED_UPSTREAM}
    if failed or TS.FAILED_UPSTREAM in kinds:
        if len(failed) == 1:
            only = next(iter(failed)).value
            return (
                WorkflowStatus(only)
                if only in WorkflowStatus.__members__
                else WorkflowStatus.FAILED
            )
        return WorkflowStatus.FAILED
    return WorkflowStatus.COMPLETED
