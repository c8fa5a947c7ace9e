"""Drivers the run worker steps or awaits: the simulator, a recorded run, a real-time backend.

Each wraps one engine-side object behind the same small surface so the app never cares which one
it plays. The simulator and replays are stepped (the app paces virtual time to wall time); a
real-time backend runs by itself and pushes events.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable, Sequence
from typing import Any

from simulator.engine.events import Event, RunFinished

OnEvents = Callable[[list[Event]], None]


class Driver:
    """Base: a finished driver with no events (subclasses override what they support)."""

    backend: str = "sim"
    realtime: bool = False
    can_cancel: bool = True
    can_cancel_task: bool = True

    @property
    def now(self) -> float:
        return 0.0

    @property
    def next_time(self) -> float | None:
        return None

    @property
    def finished(self) -> bool:
        return self.next_time is None

    def step(self) -> list[Event]:
        return []

    def cancel(
        self, scope: str = "workflow", name: str = "", message: str = "", at: float | None = None
    ) -> list[Event]:
        return []

    async def run(self, on_events: OnEvents) -> None:
        raise NotImplementedError

    def abandon(self, message: str) -> list[Event]:
        """The run is being replaced or the app quits: end it as canceled, return the events."""
        return []

    async def close(self) -> None:
        """Release what the run holds (containers, pods); idempotent."""


class SimDriver(Driver):
    """The deterministic simulator (`simulator.backends.sim.SimRun`), stepped by the app."""

    def __init__(self, sim: Any) -> None:
        self.sim = sim

    @property
    def now(self) -> float:
        return float(self.sim.now)

    @property
    def next_time(self) -> float | None:
        value = self.sim.next_time
        return None if value is None else float(value)

    @property
    def finished(self) -> bool:
        return bool(self.sim.finished) or self.sim.next_time is None

    def step(self) -> list[Event]:
        return list(self.sim.step())

    def cancel(
        self, scope: str = "workflow", name: str = "", message: str = "", at: float | None = None
    ) -> list[Event]:
        if self.finished:
            return []
        return list(self.sim.cancel(scope=scope, name=name, message=message, at=at))

    def abandon(self, message: str, limit: int = 1_000_000) -> list[Event]:
        """Cancel and play the cancellation out in virtual time (instant), so the record ends."""
        if self.finished:
            return []
        events = self.cancel(message=message)
        while not self.finished and len(events) < limit:
            events.extend(self.step())
        return events


class ReplayDriver(Driver):
    """A recorded event stream played back in its own time (cancel is meaningless here)."""

    can_cancel = False
    can_cancel_task = False

    def __init__(self, events: Sequence[Event], backend: str = "replay") -> None:
        self.events = list(events)
        self.backend = backend
        self.index = 0
        self._now = 0.0

    @property
    def now(self) -> float:
        return self._now

    @property
    def next_time(self) -> float | None:
        return self.events[self.index].time if self.index < len(self.events) else None

    def step(self) -> list[Event]:
        """Every event at the next time point."""
        due = self.next_time
        if due is None:
            return []
        out: list[Event] = []
        while self.index < len(self.events) and self.events[self.index].time == due:
            out.append(self.events[self.index])
            self.index += 1
        self._now = due
        return out


class RealtimeDriver(Driver):
    """`simulator.engine.realtime.RealtimeRun` over a Docker or Kubernetes backend."""

    realtime = True

    def __init__(self, run: Any, backend: str) -> None:
        self.run_ = run
        self.backend = backend
        self._done = False
        self._pending: set[Any] = set()
        caps = getattr(getattr(run, "backend", None), "capabilities", None)
        self.can_cancel_task = bool(getattr(caps, "cancel_task", True))

    @property
    def finished(self) -> bool:
        return self._done

    @property
    def next_time(self) -> float | None:
        return None

    async def run(self, on_events: OnEvents) -> None:
        def forward(event: Event) -> None:
            on_events([event])
            if isinstance(event, RunFinished):
                self._done = True

        try:
            await self.run_.run(forward)
        finally:
            self._done = True

    def cancel(
        self, scope: str = "workflow", name: str = "", message: str = "", at: float | None = None
    ) -> list[Event]:
        # Real time: the cancel happens when it is asked for; `at` is for stepped players.
        result = self.run_.cancel(scope=scope, name=name, message=message)
        if inspect.isawaitable(result):
            # the async form reports through `run`'s callback; schedule it, report nothing here
            task = asyncio.ensure_future(result)
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)
        return []

    async def close(self) -> None:
        closer = getattr(self.run_, "close", None)
        if closer is not None:
            result = closer()
            if inspect.isawaitable(result):
                await result
