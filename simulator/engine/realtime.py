"""The real-time driver: the pure engine fed by a real backend's reports on an asyncio loop.

Backend reports arrive through `emit` (from the loop, or from a thread: both are safe) onto a
queue; each is stamped with the wall-clock seconds since the run started (the clock is
injectable), fed to the engine, and the engine's actions become Backend coroutine calls, run in
order by one worker so a kill never overtakes the create it follows. Timers use `call_later`.
`backend.close()` runs on every exit path.

OSMO's start timeout is kept here, for every real backend: an attempt placed on a node
(INITIALIZING) that is not ready after `plan.start_timeout` (a pull or a container create that
hangs) is killed and fails FAILED_START_TIMEOUT, exit 3005 (SPEC §5.9).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import getpass
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import assert_never

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
    BackendReport,
    CancelRequested,
    CancelScope,
    EngineOutput,
    Event,
    GroupReused,
    RunStarted,
    RunWarning,
    TaskExited,
    TaskFailed,
    TaskInitializing,
    TaskLog,
    TaskReady,
    TaskRunning,
    TimerFired,
)
from simulator.engine.machine import CancelError, Engine
from simulator.engine.plan import Plan
from simulator.engine.port import Backend, Reuser
from simulator.engine.rules import rank, start_timeout_message
from simulator.engine.status import STATUS_EXIT_CODES, TaskStatus, WorkflowStatus
from simulator.errors import OsmoTuiError

OnEvent = Callable[[Event], None]
_STARTED = (TaskReady, TaskRunning, TaskExited, TaskFailed)
"""Reports that end an attempt's start (ready at its barrier, running, or over)."""


@dataclasses.dataclass(frozen=True, slots=True)
class CancelAsked:
    """A cancel asked for by a front end, applied in order with the backend's reports."""

    scope: CancelScope
    name: str
    message: str
    force: bool


@dataclasses.dataclass(frozen=True, slots=True)
class StartTimedOut:
    """An attempt placed on a node was not ready within OSMO's start timeout."""

    task: str
    retry: int


Inbound = BackendReport | GroupReused | RunWarning | TimerFired | CancelAsked | StartTimedOut
"""What the driver's inbox carries, from the loop or from backend threads."""


@dataclasses.dataclass(frozen=True, slots=True)
class StartTimerKey:
    """The start timeout's key among the run's timers (engine timers are strings)."""

    task: str
    retry: int


def _observed(on_event: OnEvent, reuser: Reuser) -> OnEvent:
    def observe(event: Event) -> None:
        reuser.observe(event)
        on_event(event)

    return observe


def current_user() -> str:
    """The local user, as OSMO's `cancelled_by` (cancel messages name who canceled)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "osmo-tui"


class RealtimeRun:
    """Run `plan` on `backend` in real time; `await run(on_event)` returns the final status."""

    def __init__(
        self,
        plan: Plan,
        backend: Backend,
        clock: Callable[[], float] = time.monotonic,
        *,
        run_dir: Path | str | None = None,
        user: str | None = None,
        reuser: Reuser | None = None,
    ) -> None:
        self.plan = plan
        self.reuser = reuser
        """Restores finished groups of earlier runs instead of creating them (docs/reuse.md)."""
        self.backend = backend
        self.engine = Engine(plan)
        self.clock = clock
        self.run_dir = Path(run_dir) if run_dir is not None else None
        self.user = user or current_user()
        self._t0 = 0.0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = 0
        self._inbox: asyncio.Queue[Inbound] | None = None
        self._actions: asyncio.Queue[Action | None] | None = None
        self._timers: dict[str | StartTimerKey, asyncio.TimerHandle] = {}
        self._pending_cancels: list[CancelAsked] = []
        self._closing: asyncio.Future[None] | None = None

    @property
    def backend_name(self) -> str:
        return self.backend.capabilities.name

    def now(self) -> float:
        return round(self.clock() - self._t0, 3)

    # --- thread-safe entry points -----------------------------------------------------------------

    def emit(self, event: BackendReport | RunWarning) -> None:
        """A backend report or warning; callable from the loop or from any thread."""
        self._put(event)

    def cancel(
        self,
        scope: CancelScope = "workflow",
        name: str = "",
        message: str = "",
        force: bool = False,
    ) -> None:
        """Ask for a cancel; it is applied in order with the backend's reports."""
        asked = CancelAsked(scope, name, message, force)
        if self._inbox is None:
            self._pending_cancels.append(asked)
            return
        self._put(asked)

    def _put(self, item: Inbound) -> None:
        loop, inbox = self._loop, self._inbox
        if loop is None or inbox is None:
            return
        if threading.get_ident() == self._thread:
            inbox.put_nowait(item)
        else:
            with contextlib.suppress(RuntimeError):  # the run is over and its loop closed
                loop.call_soon_threadsafe(inbox.put_nowait, item)

    # --- the loop -----------------------------------------------------------------------------------

    async def run(self, on_event: OnEvent) -> WorkflowStatus:
        """Drive the plan to its end; every event goes to `on_event` as it happens."""
        self._loop = asyncio.get_running_loop()
        self._thread = threading.get_ident()
        self._inbox = asyncio.Queue()
        self._actions = asyncio.Queue()
        self._t0 = self.clock()
        if self.reuser is not None:
            on_event = _observed(on_event, self.reuser)
        worker = asyncio.create_task(self._work(on_event))
        try:
            run_dir = self.run_dir or Path(tempfile.mkdtemp(prefix="osmo-tui-run-"))
            await self.backend.prepare(self.plan, run_dir, self.emit)
            on_event(RunStarted(0.0, self.plan.workflow, self.plan.workflow_id, self.backend_name))
            outputs, actions = self.engine.start(self.now())
            self._deliver(outputs, actions, on_event)
            for asked in self._pending_cancels:
                self._put(asked)
            while not self.engine.finished:
                item = await self._inbox.get()
                self._receive(item, on_event)
            return self.engine.status
        except (asyncio.CancelledError, KeyboardInterrupt):
            if not self.engine.finished:
                self._cancel_now("workflow", "", "interrupted", True, on_event)
            raise
        finally:
            for handle in self._timers.values():
                handle.cancel()
            self._timers.clear()
            self._actions.put_nowait(None)
            with contextlib.suppress(Exception):
                await asyncio.shield(worker)
            try:
                await self._keep_for_reuse(on_event)
            finally:
                await self.close()

    async def _keep_for_reuse(self, on_event: OnEvent) -> None:
        """Before the backend closes (it may need it to copy outputs): keep what completed."""
        if self.reuser is None:
            return
        try:
            warnings = await asyncio.shield(self.reuser.finish())
        except Exception as exc:  # keeping results must never fail the run
            warnings = [f"reuse: could not keep this run's results: {exc}"]
        for message in warnings:
            on_event(RunWarning(self.now(), message))

    async def close(self) -> None:
        """Close the backend once (removes everything the run created). Every call waits for
        that one close to end, so a caller cancelled while closing can be followed by another
        that sees the run's containers/pods really gone (the app's quit)."""
        if self._closing is None:
            self._closing = asyncio.ensure_future(self.backend.close())
        await asyncio.shield(self._closing)

    def _receive(self, item: Inbound, on_event: OnEvent) -> None:
        match item:
            case CancelAsked():
                self._cancel_now(item.scope, item.name, item.message, item.force, on_event)
                return
            case StartTimedOut():
                self._start_timed_out(item.task, item.retry, on_event)
                return
            case TaskLog() | RunWarning():
                on_event(dataclasses.replace(item, time=max(self.now(), self.engine.now)))
                return
            case _:
                self._handle(item, on_event)

    def _handle(self, item: BackendReport | GroupReused | TimerFired, on_event: OnEvent) -> None:
        event = dataclasses.replace(item, time=max(self.now(), self.engine.now))
        outputs, actions = self.engine.handle(event)
        on_event(event)
        self._watch_start(event)
        self._deliver(outputs, actions, on_event)

    def _watch_start(self, event: Event) -> None:
        """Arm the start timeout when an attempt is first placed (a repeated report keeps the
        first clock); disarm it once the attempt has started."""
        if isinstance(event, TaskInitializing):
            assert self._loop is not None
            key = StartTimerKey(event.task, event.retry)
            if key not in self._timers:
                item = StartTimedOut(event.task, event.retry)
                self._timers[key] = self._loop.call_later(self.plan.start_timeout, self._put, item)
        elif isinstance(event, _STARTED):
            handle = self._timers.pop(StartTimerKey(event.task, event.retry), None)
            if handle is not None:
                handle.cancel()

    def _start_timed_out(self, task: str, retry: int, on_event: OnEvent) -> None:
        self._timers.pop(StartTimerKey(task, retry), None)
        engine = self.engine
        if engine.task_retry(task) != retry or rank(engine.task_status(task)) > rank(
            TaskStatus.INITIALIZING
        ):
            return  # a newer attempt, or this one started meanwhile
        assert self._actions is not None
        message = start_timeout_message(self.plan.start_timeout_text)
        self._actions.put_nowait(KillTask(task, retry, message))
        status = TaskStatus.FAILED_START_TIMEOUT
        code = STATUS_EXIT_CODES[status]
        self._receive(TaskFailed(self.now(), task, retry, status, code, message), on_event)

    def _cancel_now(
        self, scope: CancelScope, name: str, message: str, force: bool, on_event: OnEvent
    ) -> None:
        request = CancelRequested(self.now(), scope, name, message, self.user, force)
        try:
            outputs, actions = self.engine.handle(request)
        except CancelError as exc:
            on_event(RunWarning(self.now(), exc.render()))
            return
        on_event(request)
        self._deliver(outputs, actions, on_event)

    def _deliver(
        self, outputs: list[EngineOutput], actions: list[Action], on_event: OnEvent
    ) -> None:
        for output in outputs:
            on_event(output)
        assert self._actions is not None and self._loop is not None
        for action in actions:
            if isinstance(action, ArmTimer):
                old = self._timers.pop(action.key, None)
                if old is not None:
                    old.cancel()
                delay = max(0.0, action.at - self.now())
                fired = TimerFired(action.at, action.key)
                self._timers[action.key] = self._loop.call_later(delay, self._put, fired)
            elif isinstance(action, CancelTimer):
                handle = self._timers.pop(action.key, None)
                if handle is not None:
                    handle.cancel()
            else:
                self._actions.put_nowait(action)

    async def _work(self, on_event: OnEvent) -> None:
        """Run backend calls one at a time, in the engine's order."""
        assert self._actions is not None
        while True:
            action = await self._actions.get()
            if action is None:
                return
            try:
                await self._call(action)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a backend failure must not hang the run
                self._backend_failed(action, exc)

    async def _call(self, action: Action) -> None:
        backend = self.backend
        match action:
            case CreateGroup():
                group = self.plan.groups[action.group]
                if await self._reused(action.group):
                    return
                retries = {t: self.engine.task_retry(t) for t in group.tasks}
                await backend.start_group(group, retries)
            case CreateAttempt():
                await backend.start_attempt(action.task, action.retry)
            case ReleaseBarrier():
                await backend.release(action.task, action.retry)
            case KillTask():
                await backend.kill(action.task, action.retry, action.reason)
            case RestartTask():
                await backend.restart(action.task, action.retry)
            case CleanupGroup():
                await backend.cleanup_group(action.group)
            case ArmTimer() | CancelTimer():
                pass  # handled on the loop by `_deliver`, never queued
            case _:
                assert_never(action)

    async def _reused(self, name: str) -> bool:
        """Whether the group was restored from an earlier run: its logs, then GroupReused, go
        through the inbox like any report (the engine completes the group)."""
        if self.reuser is None:
            return False
        try:
            hit = await self.reuser.lookup(self.plan.groups[name])
        except Exception as exc:  # a broken lookup is a miss, said once
            self._put(RunWarning(0.0, f"reuse: group {name} runs: {exc}"))
            return False
        if hit is None:
            return False
        for task, stream, line in hit.logs:
            self._put(TaskLog(0.0, task, 0, line, stream))
        self._put(GroupReused(0.0, name, hit.source))
        return True

    def _backend_failed(self, action: Action, exc: Exception) -> None:
        text = exc.render() if isinstance(exc, OsmoTuiError) else f"{type(exc).__name__}: {exc}"
        message = f"backend error during {action.kind}: {text}"
        self._put(RunWarning(0.0, message))
        tasks: list[tuple[str, int]] = []
        if isinstance(action, CreateGroup):
            tasks = [(t, self.engine.task_retry(t)) for t in self.plan.groups[action.group].tasks]
        elif isinstance(action, CreateAttempt | ReleaseBarrier | RestartTask):
            tasks = [(action.task, action.retry)]
        for task, retry in tasks:
            self._put(TaskFailed(0.0, task, retry, TaskStatus.FAILED_BACKEND_ERROR, 3001, message))
