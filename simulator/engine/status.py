"""OSMO's task, group and workflow statuses and exit codes (SPEC §6, §7)."""

from __future__ import annotations

from enum import StrEnum


class TaskStatus(StrEnum):
    """`TaskGroupStatus` of OSMO: used for tasks and groups (groups never become RESCHEDULED)."""

    SUBMITTING = "SUBMITTING"
    WAITING = "WAITING"
    PROCESSING = "PROCESSING"
    SCHEDULING = "SCHEDULING"
    INITIALIZING = "INITIALIZING"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    RESCHEDULED = "RESCHEDULED"
    FAILED = "FAILED"
    FAILED_CANCELED = "FAILED_CANCELED"
    FAILED_SERVER_ERROR = "FAILED_SERVER_ERROR"
    FAILED_BACKEND_ERROR = "FAILED_BACKEND_ERROR"
    FAILED_EXEC_TIMEOUT = "FAILED_EXEC_TIMEOUT"
    FAILED_QUEUE_TIMEOUT = "FAILED_QUEUE_TIMEOUT"
    FAILED_IMAGE_PULL = "FAILED_IMAGE_PULL"
    FAILED_UPSTREAM = "FAILED_UPSTREAM"
    FAILED_EVICTED = "FAILED_EVICTED"
    FAILED_START_ERROR = "FAILED_START_ERROR"
    FAILED_START_TIMEOUT = "FAILED_START_TIMEOUT"
    FAILED_PREEMPTED = "FAILED_PREEMPTED"

    def __str__(self) -> str:
        return self.value

    # Predicates are frozenset look-ups (filled in below): the engine calls them per event, and
    # attribute access to enum members is slow on Python 3.11.
    @property
    def failed(self) -> bool:
        return self in _FAILED

    @property
    def finished(self) -> bool:
        return self in _FINISHED

    @property
    def group_finished(self) -> bool:
        return self in _GROUP_FINISHED

    @property
    def prescheduling(self) -> bool:
        return self in _PRESCHEDULING

    @property
    def in_queue(self) -> bool:
        return self in _IN_QUEUE

    @property
    def prerunning(self) -> bool:
        return self in _PRERUNNING

    @property
    def canceled(self) -> bool:
        return self in _CANCELED

    @property
    def alive(self) -> bool:
        return self not in _GROUP_FINISHED


_PRESCHEDULING = frozenset({TaskStatus.SUBMITTING, TaskStatus.WAITING, TaskStatus.PROCESSING})
_CANCELED = frozenset(
    {TaskStatus.FAILED_CANCELED, TaskStatus.FAILED_EXEC_TIMEOUT, TaskStatus.FAILED_QUEUE_TIMEOUT}
)
_FAILED = frozenset(s for s in TaskStatus if s.value.startswith("FAILED"))
_GROUP_FINISHED = _FAILED | {TaskStatus.COMPLETED}
_FINISHED = _GROUP_FINISHED | {TaskStatus.RESCHEDULED}
_IN_QUEUE = _PRESCHEDULING | {TaskStatus.SCHEDULING}
_PRERUNNING = _IN_QUEUE | {TaskStatus.INITIALIZING}


class WorkflowStatus(StrEnum):
    """`WorkflowStatus` of OSMO (WAITING exists but OSMO never produces it)."""

    PENDING = "PENDING"
    RUNNING = "RUNNING"
    WAITING = "WAITING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    FAILED_SUBMISSION = "FAILED_SUBMISSION"
    FAILED_SERVER_ERROR = "FAILED_SERVER_ERROR"
    FAILED_EXEC_TIMEOUT = "FAILED_EXEC_TIMEOUT"
    FAILED_QUEUE_TIMEOUT = "FAILED_QUEUE_TIMEOUT"
    FAILED_CANCELED = "FAILED_CANCELED"
    FAILED_BACKEND_ERROR = "FAILED_BACKEND_ERROR"
    FAILED_IMAGE_PULL = "FAILED_IMAGE_PULL"
    FAILED_EVICTED = "FAILED_EVICTED"
    FAILED_START_ERROR = "FAILED_START_ERROR"
    FAILED_START_TIMEOUT = "FAILED_START_TIMEOUT"
    FAILED_PREEMPTED = "FAILED_PREEMPTED"

    def __str__(self) -> str:
        return self.value

    @property
    def failed(self) -> bool:
        return self.value.startswith("FAILED")

    @property
    def finished(self) -> bool:
        return self is WorkflowStatus.COMPLETED or self.failed


class ExitCode:
    """OSMO's reserved exit codes (SPEC §7); user codes are 0-255."""

    UPSTREAM_FAILED = 3000
    BACKEND_ERROR = 3001
    SERVER_ERROR = 3002
    START_ERROR = 3003
    EVICTED = 3004
    START_TIMEOUT = 3005
    PREEMPTED = 3006
    UNKNOWN = 4000
    IMAGE_PULL_BACKOFF = 301
    ERR_IMAGE_PULL = 302
    CREATE_CONFIG_ERROR = 303
    CRASH_LOOP_BACKOFF = 304
    CONTAINER_STATUS_UNKNOWN = 305
    BARRIER_FAILED = 2024


STATUS_EXIT_CODES: dict[TaskStatus, int] = {
    TaskStatus.FAILED_UPSTREAM: ExitCode.UPSTREAM_FAILED,
    TaskStatus.FAILED_BACKEND_ERROR: ExitCode.BACKEND_ERROR,
    TaskStatus.FAILED_SERVER_ERROR: ExitCode.SERVER_ERROR,
    TaskStatus.FAILED_START_ERROR: ExitCode.START_ERROR,
    TaskStatus.FAILED_EVICTED: ExitCode.EVICTED,
    TaskStatus.FAILED_START_TIMEOUT: ExitCode.START_TIMEOUT,
    TaskStatus.FAILED_PREEMPTED: ExitCode.PREEMPTED,
    TaskStatus.FAILED_IMAGE_PULL: ExitCode.ERR_IMAGE_PULL,
}
"""The exit code OSMO records for a backend-reported failure status (cancel/timeouts have none)."""
