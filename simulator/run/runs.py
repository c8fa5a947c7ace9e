"""`Run`: one interface for every way a run unfolds (simulated, recorded, live on a backend).

A front end never asks which one it holds. Stepped runs (the simulator, a replay) move when asked
(`step`, paced by whoever calls it); a live run moves by itself once `run` is awaited. Either can
be run to its end with `run(observer)`, which hands every batch of events to the observer.
"""

from __future__ import annotations

import abc
import gc
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from simulator.backends.sim import SimRun
from simulator.engine.events import CancelScope, Event
from simulator.engine.port import Target

Observer = Callable[[list[Event]], None]
"""Receives each batch of events, in order (one simulator step, or one live event)."""


@dataclass(frozen=True, slots=True)
class Cancel:
    """A cancel request as a front end states it (OSMO's `osmo workflow cancel` and its scopes)."""

    scope: CancelScope = "workflow"
    name: str = ""
    """The group or task (empty for the workflow)."""
    message: str = ""
    at: float | None = None
    """Virtual time to cancel at (stepped runs: where the player shows time); None: now."""
    force: bool = False


class Run(abc.ABC):
    """A run in progress; see the module docstring for the two ways it moves."""

    backend: str = "sim"
    stepped: bool = True
    """True: moves only by `step` (paced by the caller); False: moves by itself in `run`."""
    can_cancel: bool = True
    can_cancel_task: bool = True

    @property
    def now(self) -> float:
        return 0.0

    @property
    def next_time(self) -> float | None:
        """The time of the next step (None: nothing left, or a live run)."""
        return None

    def capabilities(self) -> tuple[str, tuple[str, ...]]:
        """What the backend can honour: one line and its notes (nothing for stepped runs)."""
        return "", ()

    @property
    @abc.abstractmethod
    def finished(self) -> bool: ...

    def step(self) -> list[Event]:
        """Everything due at the next time point (stepped runs; a live run returns nothing)."""
        return []

    @abc.abstractmethod
    def cancel(self, request: Cancel) -> list[Event]:
        """Ask for a cancel; returns the events it caused at once (a live run reports later)."""

    async def run(self, observer: Observer) -> None:
        """Run to the end, handing each batch of events to `observer`."""
        # A long run allocates millions of short-lived events while the loaded spec and plan
        # live to the end: without this the cyclic GC rescans all of them again and again.
        gc.freeze()
        gc.disable()
        try:
            while not self.finished:
                observer(self.step())
        finally:
            gc.enable()

    def abandon(self, message: str) -> list[Event]:
        """The run is replaced or the app quits: end it as canceled; returns the events."""
        return []

    def locate(self, task: str, retry: int) -> Target | None:
        """Where the attempt's process lives (a backend's container or pod); None: nowhere."""
        return None

    async def close(self) -> None:
        """Release what the run holds (containers, pods); idempotent."""
        return None  # a stepped run holds nothing


class SimulatedRun(Run):
    """The deterministic simulator in virtual time."""

    def __init__(self, sim: SimRun) -> None:
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
        return self.sim.finished or self.sim.next_time is None

    def step(self) -> list[Event]:
        return self.sim.step()

    def cancel(self, request: Cancel) -> list[Event]:
        if self.finished:
            return []
        return self.sim.cancel(request.scope, request.name, request.message, at=request.at)

    def abandon(self, message: str, limit: int = 1_000_000) -> list[Event]:
        """Cancel and play the cancellation out in virtual time (instant), so the record ends."""
        if self.finished:
            return []
        events = self.cancel(Cancel(message=message))
        while not self.finished and len(events) < limit:
            events.extend(self.step())
        return events


class ReplayRun(Run):
    """A recorded event stream played back in its own time (nothing to cancel)."""

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

    @property
    def finished(self) -> bool:
        return self.index >= len(self.events)

    def step(self) -> list[Event]:
        due = self.next_time
        if due is None:
            return []
        out: list[Event] = []
        while self.index < len(self.events) and self.events[self.index].time == due:
            out.append(self.events[self.index])
            self.index += 1
        self._now = due
        return out

    def cancel(self, request: Cancel) -> list[Event]:
        return []
