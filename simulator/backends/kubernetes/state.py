"""Per-attempt bookkeeping: turn pod observations into engine reports, in order, exactly once."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import dataclass

from simulator.backends.kubernetes.podstatus import Observation, Phase
from simulator.engine.events import (
    BackendReport,
    RunWarning,
    TaskExited,
    TaskFailed,
    TaskInitializing,
    TaskLog,
    TaskReady,
    TaskRunning,
    TaskScheduling,
)
from simulator.engine.status import ExitCode, TaskStatus


@dataclass
class Attempt:
    """One attempt (retry) of one task and the pod that currently carries it."""

    task: str
    group: str
    retry: int
    pod: str
    generation: int = 0
    phase: Phase = Phase.NONE
    node: str = ""
    reason: str = ""
    released: bool = False
    deleting: bool = False
    """We deleted its pod (kill, cleanup): later events about it are not news."""
    created_rv: int = 0
    slow_timer: asyncio.TimerHandle | None = None
    log: threading.Thread | None = None
    """The pod's log follower, once started (real nodes, or KWOK with stream_logs)."""
    kept: bool = False
    """--keep-failed: its failed pod left the run's labels and stays until `osmo-tui gc`."""
    drained: bool = False
    """The pod ended and its log was drained (or given up on): report the end now."""

    @property
    def live(self) -> bool:
        return self.phase is not Phase.DONE and not self.deleting


class Reporter:
    """Emits the reports an observation implies, never going backwards or twice."""

    def __init__(
        self,
        emit: Callable[[BackendReport | RunWarning], None],
        now: Callable[[], float],
        describe_node: Callable[[str], str],
        mask: Callable[[str], str] = str,
    ) -> None:
        self._emit = emit
        self._now = now
        self._describe = describe_node
        self._mask = mask

    def scheduling(self, att: Attempt, reason: str = "") -> None:
        if att.phase < Phase.SCHEDULING or (att.phase == Phase.SCHEDULING and reason != att.reason):
            att.phase = max(att.phase, Phase.SCHEDULING)
            att.reason = reason
            self._emit(TaskScheduling(self._now(), att.task, att.retry, reason))

    def initializing(self, att: Attempt, node: str) -> None:
        self.scheduling(att)
        if att.phase < Phase.INITIALIZING:
            att.phase = Phase.INITIALIZING
            att.node = node
            self._emit(
                TaskInitializing(self._now(), att.task, att.retry, node, self._describe(node))
            )

    def ready(self, att: Attempt, node: str) -> None:
        self.initializing(att, node)
        if att.phase < Phase.READY:
            att.phase = Phase.READY
            self._emit(TaskReady(self._now(), att.task, att.retry))

    def running(self, att: Attempt) -> None:
        if Phase.READY <= att.phase < Phase.RUNNING:
            att.phase = Phase.RUNNING
            self._emit(TaskRunning(self._now(), att.task, att.retry))

    def observe(self, att: Attempt, obs: Observation) -> None:
        """Apply one pod observation (the pod is this attempt's current pod)."""
        if not att.live:
            return
        if obs.phase == Phase.SCHEDULING:
            if att.phase <= Phase.SCHEDULING:
                self.scheduling(att, obs.reason)
        elif obs.phase == Phase.INITIALIZING:
            self.initializing(att, obs.node)
        elif obs.phase == Phase.READY:
            self.ready(att, obs.node)
        elif obs.phase == Phase.DONE:
            if obs.status is None:  # the container ran and exited
                self.ready(att, obs.node or att.node)
            self.finish(att, obs.status, obs.exit_code, obs.reason)

    def finish(
        self, att: Attempt, status: TaskStatus | None, code: int | None, message: str
    ) -> None:
        """The attempt's terminal report: an exit code (exit actions apply) or a failure status."""
        if att.phase is Phase.DONE:
            return
        att.phase = Phase.DONE
        if att.slow_timer is not None:
            att.slow_timer.cancel()
            att.slow_timer = None
        if status is None:
            self._emit(
                TaskExited(
                    self._now(), att.task, att.retry, ExitCode.UNKNOWN if code is None else code
                )
            )
        else:
            self._emit(TaskFailed(self._now(), att.task, att.retry, status, code, message))

    def backend_error(self, att: Attempt, message: str) -> None:
        self.finish(att, TaskStatus.FAILED_BACKEND_ERROR, ExitCode.BACKEND_ERROR, message)

    def log(self, task: str, retry: int, line: str) -> None:
        """One line of a pod's log, credentials masked as OSMO masks them."""
        self._emit(TaskLog(self._now(), task, retry, self._mask(line)))

    def warn(self, message: str, task: str = "") -> None:
        self._emit(RunWarning(self._now(), message, task))
