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
from typing import Any, Protocol

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
    Event,
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
from simulator.engine.rules import rank, start_timeout_message
from simulator.engine.status import STATUS_EXIT_CODES, TaskStatus, WorkflowStatus
from simulator.errors import OsmoTuiError

OnEvent = Callable[[Event], None]
_STARTED = (TaskReady, TaskRunning, TaskExited, TaskFailed)
"""Reports that end an attempt's start (ready at its barrier, running, or over)."""


def _start_key(task: str, retry: int) -> str:
    """The start timeout's key among the run's timers (engine timers have other prefixes)."""
    return f"start-timeout:{task}:{retry}"


class BackendLike(Protocol):
    """`simulator.backends.base.Backend` as the driver sees it (the engine may not import it)."""

    capabilities: Any

    async def prepare(self, plan: Plan, run_dir: Path, emit: Callable[[Any], None]) -> None: ...
    async def start_group(self, group: Any, retries: dict[str, int]) -> None: ...
    async def start_attempt(self, task: str, retry: int) -> None: ...
    async def release(self, task: str, retry: int) -> None: ...
    async def kill(self, task: str, retry: int, reason: str) -> None: ...
    async def restart(self, task: str, retry: int) -> None: ...
    async def cleanup_group(self, group: str) -> None: ...
    async def close(self) -> None: ...


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
        backend: BackendLike,
        clock: Callable[[], float] = time.monotonic,
        *,
        run_dir: Path | str | None = None,
        user: str | None = None,
        recorder: Any = None,
    ) -> None:
        """`recorder`: a `simulator.runs.RunRecorder` (anything with `record(event)`) that gets
        every event as it happens, before `on_event`."""
        self.plan = plan
        self.backend = backend
        self.engine = Engine(plan)
        self.clock = clock
        self.run_dir = Path(run_dir) if run_dir is not None else None
        self.user = user or current_user()
        self._t0 = 0.0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = 0
        self._inbox: asyncio.Queue[Any] | None = None
        self._actions: asyncio.Queue[Action | None] | None = None
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._pending_cancels: list[tuple[str, str, str, bool]] = []
        self._closed = False
        self.recorder = recorder

    @property
    def backend_name(self) -> str:
        return str(getattr(getattr(self.backend, "capabilities", None), "name", "backend"))

    def now(self) -> float:
        return round(self.clock() - self._t0, 3)

    # --- thread-safe entry points -----------------------------------------------------------------

    def emit(self, event: Any) -> None:
        """A backend report or warning; callable from the loop or from any thread."""
        self._put(event)

    def cancel(
        self, scope: str = "workflow", name: str = "", message: str = "", force: bool = False
    ) -> None:
        """Ask for a cancel; it is applied in order with the backend's reports."""
        if self._inbox is None:
            self._pending_cancels.append((scope, name, message, force))
            return
        self._put(("cancel", scope, name, message, force))

    def _put(self, item: Any) -> None:
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
        """Drive the plan to its end; every event goes to the recorder (if any), then `on_event`."""
        if self.recorder is not None:
            record, observer = self.recorder.record, on_event

            def on_event(event: Event) -> None:
                record(event)
                observer(event)

        self._loop = asyncio.get_running_loop()
        self._thread = threading.get_ident()
        self._inbox = asyncio.Queue()
        self._actions = asyncio.Queue()
        self._t0 = self.clock()
        worker = asyncio.create_task(self._work(on_event))
        try:
            run_dir = self.run_dir or Path(tempfile.mkdtemp(prefix="osmo-tui-run-"))
            await self.backend.prepare(self.plan, run_dir, self.emit)
            on_event(RunStarted(0.0, self.plan.workflow, self.plan.workflow_id, self.backend_name))
            outputs, actions = self.engine.start(self.now())
            self._deliver(outputs, actions, on_event)
            for scope, name, message, force in self._pending_cancels:
                self._put(("cancel", scope, name, message, force))
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
            await self.close()

    async def close(self) -> None:
        """Close the backend once (removes everything the run created)."""
        if self._closed:
            return
        self._closed = True
        await asyncio.shield(self.backend.close())

    def _receive(self, item: Any, on_event: OnEvent) -> None:
        if isinstance(item, tuple) and item and item[0] == "cancel":
            _, scope, name, message, force = item
            self._cancel_now(scope, name, message, force, on_event)
            return
        if isinstance(item, tuple) and item and item[0] == "start_timeout":
            self._start_timed_out(item[1], item[2], on_event)
            return
        event = dataclasses.replace(item, time=max(self.now(), self.engine.now))
        if isinstance(event, TaskLog | RunWarning):
            on_event(event)
            return
        outputs, actions = self.engine.handle(event)
        on_event(event)
        self._watch_start(event)
        self._deliver(outputs, actions, on_event)

    def _watch_start(self, event: Event) -> None:
        """Arm the start timeout when an attempt is first placed (a repeated report keeps the
        first clock); disarm it once the attempt has started."""
        if isinstance(event, TaskInitializing):
            assert self._loop is not None
            key = _start_key(event.task, event.retry)
            if key not in self._timers:
                item = ("start_timeout", event.task, event.retry)
                self._timers[key] = self._loop.call_later(self.plan.start_timeout, self._put, item)
        elif isinstance(event, _STARTED):
            handle = self._timers.pop(_start_key(event.task, event.retry), None)
            if handle is not None:
                handle.cancel()

    def _start_timed_out(self, task: str, retry: int, on_event: OnEvent) -> None:
        self._timers.pop(_start_key(task, retry), None)
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
        self, scope: str, name: str, message: str, force: bool, on_event: OnEvent
    ) -> None:
        request = CancelRequested(self.now(), scope, name, message, self.user, force)
        try:
            outputs, actions = self.engine.handle(request)
        except CancelError as exc:
            on_event(RunWarning(self.now(), exc.render()))
            return
        on_event(request)
        self._deliver(outputs, actions, on_event)

    def _deliver(self, outputs: list[Any], actions: list[Action], on_event: OnEvent) -> None:
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
            case _:
                pass

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
