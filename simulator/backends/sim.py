"""The deterministic simulator: a discrete-event loop in virtual time around the pure engine.

A heap of (virtual time, sequence, callback) plays the backend: it creates gangs on a simulated
pool with capacity, reports Scheduling/Initializing/Ready, runs commands for their scripted or
inferred durations and exits, and fires the engine's timers. No clock, no sleeps, no asyncio: the
same plan, scenario and seed give the same event stream byte for byte.
"""

from __future__ import annotations

import heapq
import math
import random
from collections import deque
from collections.abc import Callable
from typing import Any

from simulator.backends.scenario import (
    PRE_RUN_FAILURES,
    AttemptPlan,
    CancelAt,
    InferredTask,
    Scenario,
    explain_task,
    load_scenario,
    resolve_attempt,
)
from simulator.backends.sim_pool import Placement, SimPool
from simulator.backends.sim_script import infer_task
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
    EngineInput,
    Event,
    RunStarted,
    RunWarning,
    TaskExited,
    TaskFailed,
    TaskInitializing,
    TaskLog,
    TaskReady,
    TaskRunning,
    TaskScheduling,
    TimerFired,
)
from simulator.engine.gcpause import gc_paused
from simulator.engine.machine import CancelError, Engine
from simulator.engine.plan import Plan
from simulator.engine.rules import start_timeout_message
from simulator.engine.snapshot import RunSnapshot, fold
from simulator.engine.status import STATUS_EXIT_CODES, TaskStatus
from simulator.errors import BackendError

__all__ = ["SimRun", "load_scenario"]

_Gang = list[tuple[str, int, int]]
"""(task, retry, generation) placed together."""
_Fifo = deque[tuple[float, int, str]]
_NO_SCRIPT = InferredTask(None, None, (), "", "")
"""What a task without a spec (a plan built in code) says: nothing."""


class SimRun:
    """One simulated run of a plan; drive it with `step()` or `run_to_end()`."""

    def __init__(
        self,
        plan: Plan,
        scenario: Scenario | None = None,
        seed: int | None = None,
        pool: Any = None,
        user: str = "osmo-tui",
        *,
        keep_snapshot: bool = True,
    ) -> None:
        """`keep_snapshot=False`: the caller folds the events itself (the run pipeline's
        Execution), so `snapshot` is not kept and no event is held for it."""
        self.plan = plan
        self._keep = keep_snapshot
        self.scenario = scenario or Scenario()
        self.seed = seed if seed is not None else (self.scenario.seed or 0)
        self.user = user
        with gc_paused():  # hundreds of thousands of long-lived objects: GC would rescan them
            self.engine = Engine(plan)
        self.pool = SimPool(pool)
        self.now = 0.0
        self._snapshot: RunSnapshot | None = None
        """Built on first access: observers that only read events never pay for it."""
        self._unfolded: list[Event] = []
        self._rng = random.Random(self.seed)
        self._times: list[float] = []
        """Heap of the distinct future instants that have something scheduled."""
        self._due: dict[float, deque[tuple[Callable[[Any], None], Any]]] = {}
        """What is scheduled at each instant, in scheduling order (the tie-break)."""
        self._seq = 0
        self._gen: dict[str, int] = {}
        self._held: dict[str, Placement] = {}
        self._attempts: dict[str, AttemptPlan] = {}
        self._inferred: dict[str, InferredTask] = {}
        self._waiting: list[_Gang] = []
        self._retry_armed = False
        self._timers: dict[str, float] = {}
        self._fifos: dict[float, _Fifo] = {}
        """Timers by delay: armed at non-decreasing times, so each delay is a FIFO (no heap)."""
        self._out: list[Event] = []
        self._handlers: dict[type, Callable[[Any], None]] = {
            CreateGroup: self._on_create_group,
            CreateAttempt: self._on_create_attempt,
            ReleaseBarrier: self._on_release,
            KillTask: self._on_kill,
            RestartTask: self._on_restart,
            ArmTimer: self._arm,
            CancelTimer: self._on_cancel_timer,
            CleanupGroup: self._on_cleanup,
        }
        self._plain: dict[int, AttemptPlan] = {}
        """Resolved attempts of tasks the scenario does not mention, by their inferred script."""
        self._push(0.0, self._begin, None)
        for event in self.scenario.events:
            self._push(event.at, self._scripted_cancel, event)

    # --- public API -------------------------------------------------------------------------------

    @property
    def snapshot(self) -> RunSnapshot:
        """The run's state folded over every event so far (folded on demand: cheap to skip)."""
        if not self._keep:
            raise BackendError("this simulated run's events are folded by its caller")
        snap = self._snapshot
        if snap is None:
            with gc_paused():
                snap = self._snapshot = RunSnapshot.from_plan(self.plan)
        if self._unfolded:
            pending, self._unfolded = self._unfolded, []
            for event in pending:
                fold(snap, event)
        return snap

    @property
    def finished(self) -> bool:
        return self.engine.finished

    @property
    def next_time(self) -> float | None:
        if self.engine.finished:
            return None
        head = self._head()
        return None if head is None else head[0]

    def step(self) -> list[Event]:
        """Process everything due at the next virtual time; return every event, in order."""
        out: list[Event] = []
        self._out = out
        if self.engine.finished:
            return out
        head = self._head()
        if head is None:
            raise BackendError("the simulation stalled: nothing left to happen (please report)")
        time = self.now = head[0]
        engine = self.engine
        # At one instant, backend reports go before timers: a task ending exactly at its limit
        # beats the timeout. Timers fired may schedule more reports at the same instant.
        while not engine.finished:
            due = self._due.get(time)
            if due is not None:
                while due and not engine.finished:
                    callback, arg = due.popleft()
                    callback(arg)
                if not due:
                    del self._due[time]
                    heapq.heappop(self._times)  # `time` is the earliest instant
                continue
            head = self._head()
            if head is None or head[0] != time or head[2] is None:
                break
            _, _, key = head[2].popleft()
            del self._timers[key]
            self._feed(TimerFired(time, key))
        if self._keep:
            self._unfolded.extend(out)
        return out

    def run_to_end(self) -> list[Event]:
        events: list[Event] = []
        with gc_paused():  # millions of events kept alive: the cyclic GC would rescan them all
            while not self.engine.finished:
                events.extend(self.step())
        return events

    def cancel(
        self,
        scope: CancelScope = "workflow",
        name: str = "",
        message: str = "",
        at: float | None = None,
    ) -> list[Event]:
        """Cancel now, or at virtual time `at` between now and the next event (a player that
        shows time moving between events cancels where it shows it); raises `CancelError` as
        OSMO refuses, e.g. an already finished workflow."""
        if at is not None and at > self.now:
            upper = self.next_time
            self.now = at if upper is None else min(at, upper)
        out: list[Event] = []
        self._out = out
        self._feed(CancelRequested(self.now, scope, name, message, self.user))
        if self._keep:
            self._unfolded.extend(out)
        return out

    def explain(self) -> list[str]:
        """Per task, where its simulated duration and exit code come from."""
        return [explain_task(self.scenario, name, self._infer(name)) for name in self.plan.tasks]

    # --- plumbing ---------------------------------------------------------------------------------

    def _head(self) -> tuple[float, int, _Fifo | None] | None:
        """(time, seq, source) of the next item: scheduled reports (source None, they go first
        at an instant) or the earliest timer FIFO."""
        best: tuple[float, int, _Fifo | None] | None = None
        if self._times:
            best = (self._times[0], -1, None)
        for fifo in self._fifos.values():
            while fifo and self._timers.get(fifo[0][2]) != fifo[0][0]:
                fifo.popleft()  # cancelled or re-armed
            if fifo and (best is None or fifo[0][:2] < best[:2]):
                best = (fifo[0][0], fifo[0][1], fifo)
        return best

    def _push(self, time: float, callback: Callable[[Any], None], arg: Any) -> None:
        """Schedule `callback(arg)` at `time`: O(1) when something is already due then (the
        usual case: a few distinct instants, many tasks), one heap push otherwise."""
        due = self._due.get(time)
        if due is None:
            due = self._due[time] = deque()
            heapq.heappush(self._times, time)
        due.append((callback, arg))

    def _emit(self, event: Event) -> None:
        self._out.append(event)

    def _feed(self, event: EngineInput) -> None:
        out = self._out
        at = len(out)
        out.append(event)
        try:
            actions = self.engine.feed(event, out)
        except BaseException:
            del out[at:]  # a refused input (e.g. a cancel of a finished run) leaves no trace
            raise
        if actions:
            self._apply(actions)

    def _report(self, arg: tuple[int, BackendReport]) -> None:
        gen, event = arg
        if self._gen.get(event.task) != gen:
            return  # the attempt was killed or restarted since this was scheduled
        kind = type(event)
        if kind is TaskLog:
            self._out.append(event)
            return
        if (kind is TaskExited or kind is TaskFailed) and self._held:
            self._release_capacity(event.task)
        self._feed(event)

    def _later(self, delay: float, task: str, event: BackendReport) -> None:
        if not math.isinf(delay):
            self._push(self.now + delay, self._report, (self._gen[task], event))

    def _soon(self, delay: float, task: str, event: BackendReport) -> None:
        """Report after `delay`: right away (no trip through the heap) when the delay is zero."""
        if delay == 0.0:
            self._report((self._gen[task], event))
        else:
            self._later(delay, task, event)

    def _begin(self, _: Any) -> None:
        self._emit(RunStarted(0.0, self.plan.workflow, self.plan.workflow_id, "sim"))
        for task in self.plan.tasks.values():
            why = self.pool.never_fits(task.resource)
            if why:
                message = (
                    f"task {task.name} can never be scheduled ({why}): its group waits in "
                    "SCHEDULING until queue_timeout"
                )
                self._emit(RunWarning(0.0, message, task.name))
        outputs, actions = self.engine.start(0.0)
        self._out.extend(outputs)
        self._apply(actions)

    def _scripted_cancel(self, event: CancelAt) -> None:
        target = event.cancel
        scope: CancelScope = "workflow"
        name = ""
        if target != "workflow":
            scope, name = ("group" if target in self.plan.groups else "task"), target
        request = CancelRequested(self.now, scope, name, event.message, self.user, event.force)
        try:
            self._feed(request)
        except CancelError as exc:
            self._emit(RunWarning(self.now, f"scenario cancel at {event.at:g}s ignored: {exc}"))

    def _infer(self, task: str) -> InferredTask:
        inferred = self._inferred.get(task)
        if inferred is None:
            spec = self.plan.tasks[task].spec
            inferred = _NO_SCRIPT if spec is None else infer_task(spec)
            self._inferred[task] = inferred
        return inferred

    def _new_attempt(self, task: str, retry: int) -> AttemptPlan:
        inferred = self._infer(task)
        if task in self.scenario.tasks:
            attempt = resolve_attempt(self.scenario, task, retry, inferred)
        else:  # only the script and the defaults decide: the same for every such task
            attempt = self._plain.get(id(inferred))  # type: ignore[assignment]
            if attempt is None:
                attempt = self._plain[id(inferred)] = resolve_attempt(
                    self.scenario, task, retry, inferred
                )
        jitter = self.scenario.jitter
        if jitter and not math.isinf(attempt.duration):
            factor = 1.0 + self._rng.uniform(-jitter, jitter)
            attempt = AttemptPlan(
                attempt.duration * factor,
                attempt.exit_code,
                attempt.queue,
                attempt.init,
                attempt.status,
                attempt.message,
                attempt.logs,
            )
        self._attempts[task] = attempt
        self._gen[task] = self._gen.get(task, 0) + 1
        return attempt

    # --- actions ----------------------------------------------------------------------------------

    def _apply(self, actions: list[Action]) -> None:
        handlers = self._handlers
        for action in actions:
            handlers[type(action)](action)

    def _on_create_group(self, action: CreateGroup) -> None:
        self._create([(t, 0) for t in self.plan.groups[action.group].tasks])

    def _on_create_attempt(self, action: CreateAttempt) -> None:
        self._create([(action.task, action.retry)])

    def _on_release(self, action: ReleaseBarrier) -> None:
        self._run(action.task, action.retry)

    def _on_kill(self, action: KillTask) -> None:
        self._gen[action.task] = self._gen.get(action.task, 0) + 1
        self._release_capacity(action.task)

    def _on_restart(self, action: RestartTask) -> None:
        self._gen[action.task] = self._gen.get(action.task, 0) + 1
        self._feed(TaskReady(self.now, action.task, action.retry))  # generation just bumped

    def _on_cancel_timer(self, action: CancelTimer) -> None:
        self._timers.pop(action.key, None)

    def _on_cleanup(self, action: CleanupGroup) -> None:
        for task in self.plan.groups[action.group].tasks:
            self._release_capacity(task)

    def _arm(self, action: ArmTimer) -> None:
        self._timers[action.key] = action.at
        self._seq += 1
        delay = round(action.at - self.now, 6)
        fifo = self._fifos.get(delay)
        if fifo is None:
            fifo = self._fifos[delay] = deque()
        fifo.append((action.at, self._seq, action.key))

    def _create(self, members: list[tuple[str, int]]) -> None:
        """New pods: SCHEDULING now, placed as one gang after the longest scripted queue time."""
        gang: _Gang = []
        queue = 0.0
        for task, retry in members:
            attempt = self._new_attempt(task, retry)
            queue = max(queue, attempt.queue)
            gang.append((task, retry, self._gen[task]))
            self._feed(TaskScheduling(self.now, task, retry))  # the attempt was just created
        if queue == 0.0:
            self._place(gang)
        else:
            self._push(self.now + queue, self._place, gang)

    def _place(self, gang: _Gang) -> None:
        live = [(t, r, g) for t, r, g in gang if self._gen.get(t) == g]
        if not live:
            return
        placements = self.pool.place([(t, self.plan.tasks[t].resource) for t, _, _ in live])
        if placements is None:
            self._waiting.append(live)
            return
        unlimited = self.pool.unlimited
        gens = self._gen
        for (task, retry, gen), placement in zip(live, placements, strict=True):
            if not unlimited:
                self._held[task] = placement
            if gens[task] == gen:  # reports of one task never kill a sibling before it is placed
                self._feed(
                    TaskInitializing(self.now, task, retry, placement.node, placement.reason)
                )
        for task, retry, gen in live:
            if gens[task] != gen:
                continue  # killed meanwhile (a sibling failed to start)
            attempt = self._attempts[task]
            end = self.now + attempt.init
            if attempt.status in PRE_RUN_FAILURES:
                status = attempt.status
                assert status is not None
                code = STATUS_EXIT_CODES.get(status)
                message = attempt.message or f"simulated {status}"
                self._soon(attempt.init, task, TaskFailed(end, task, retry, status, code, message))
            elif attempt.init > self.plan.start_timeout:
                # OSMO fails a pod still pulling/initializing after max_pod_restart_limit (§5.9)
                limit = self.plan.start_timeout
                end = self.now + limit
                status = TaskStatus.FAILED_START_TIMEOUT
                code = STATUS_EXIT_CODES[status]
                message = start_timeout_message(self.plan.start_timeout_text)
                self._later(limit, task, TaskFailed(end, task, retry, status, code, message))
            elif attempt.init == 0.0:
                self._feed(TaskReady(end, task, retry))  # generation checked just above
            else:
                self._later(attempt.init, task, TaskReady(end, task, retry))

    def _release_capacity(self, task: str) -> None:
        placement = self._held.pop(task, None)
        if placement is None:
            return
        self.pool.free(placement)
        if self._waiting and not self._retry_armed:
            self._retry_armed = True
            self._push(self.now, self._retry_waiting, None)

    def _retry_waiting(self, _: Any) -> None:
        self._retry_armed = False
        waiting, self._waiting = self._waiting, []
        for gang in waiting:
            self._place(gang)

    def _run(self, task: str, retry: int) -> None:
        """The barrier opened: the command runs, prints its lines and ends as scripted."""
        attempt = self._attempts[task]
        now = self.now
        self._feed(TaskRunning(now, task, retry))  # released just now: the attempt is current
        duration = attempt.duration
        lines = attempt.logs
        span = 0.0 if math.isinf(duration) else duration
        for i, line in enumerate(lines):
            at = span * (i + 1) / (len(lines) + 1)
            self._later(at, task, TaskLog(now + at, task, retry, line))
        if math.isinf(duration):
            return
        end = now + duration
        status = attempt.status
        if status is not None and status not in PRE_RUN_FAILURES:
            if status is TaskStatus.FAILED:
                code: int | None = attempt.exit_code or 4000
            else:
                code = STATUS_EXIT_CODES.get(status)
            message = attempt.message or f"simulated {status}"
            self._later(duration, task, TaskFailed(end, task, retry, status, code, message))
        else:
            self._later(duration, task, TaskExited(end, task, retry, attempt.exit_code))
