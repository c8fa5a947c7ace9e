"""The main screen's engine side: the run worker, the event stream into the session, hot reload.

A run is an exclusive worker that steps (or awaits) a driver and hands its events to `deliver`,
which buffers them and posts one message per batch: nothing is dropped, and however fast events
come the views repaint on their own timer. Hot reload is a second exclusive worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from pathlib import Path

from textual.message import Message
from textual.worker import Worker, WorkerState

from osmo_tui.app.drivers import Driver
from osmo_tui.app.screens.actions import RunActions
from osmo_tui.app.session import LoadOutcome
from osmo_tui.app.widgets.header import RunHeader
from simulator.engine.events import Event, RunFinished
from simulator.engine.snapshot import RunSnapshot
from simulator.errors import OsmoTuiError

STEP_BUDGET = 0.008
"""Seconds of simulator stepping (at instant speed) before the worker lets the screen run."""


class RunnerScreen(RunActions):
    """MainScreen's base: owns the run and watch workers; the views are MainScreen's."""

    class EventsArrived(Message):
        """Events are waiting in the screen's buffer (one message per batch, however large)."""

    class Reloaded(Message):
        """The workflow was re-read after a change on disk (or after the editor closed)."""

        def __init__(self, outcome: LoadOutcome) -> None:
            super().__init__()
            self.outcome = outcome

    class RunEnded(Message):
        def __init__(self, snapshot: RunSnapshot) -> None:
            super().__init__()
            self.snapshot = snapshot

    def __init__(self) -> None:
        super().__init__()
        self.pending: list[Event] = []
        self.posted = False
        self._changed: set[str] = set()
        self._dirty = False
        self.run_count = 0
        self._run_closed: asyncio.Event | None = None
        self._wake = asyncio.Event()

    # implemented by MainScreen
    def _show_plan(self) -> None:
        raise NotImplementedError

    def _show_errors(self) -> None:
        raise NotImplementedError

    def _update_header(self) -> None:
        raise NotImplementedError

    # --- the event stream --------------------------------------------------------------------

    def deliver(self, events: list[Event]) -> None:
        """Called by the run worker: buffer (never drop) and post one message per batch."""
        self.pending.extend(events)
        if not self.posted:
            self.posted = True
            self.post_message(self.EventsArrived())

    def on_runner_screen_events_arrived(self, _message: EventsArrived) -> None:
        self.posted = False
        batch, self.pending = self.pending, []
        self._absorb(batch)

    def _absorb(self, batch: list[Event]) -> None:
        """Fold a batch into the session and mark the views for the next repaint."""
        session = self.osmo.session
        if not batch or session.snapshot is None:
            return
        self._changed |= session.apply(batch)
        self._dirty = True
        if any(isinstance(event, RunFinished) for event in batch):
            self.post_message(self.RunEnded(session.snapshot))

    def on_runner_screen_run_ended(self, message: RunEnded) -> None:
        status = message.snapshot.status
        if status.failed:
            self.notify(f"Run finished: {status}", severity="error", timeout=4)
        else:
            self.notify(f"Run finished: {status}", timeout=4)

    # --- the run worker ----------------------------------------------------------------------

    def start_run(self, driver: Driver | None = None) -> None:
        """Cancel the current run (its backend closes first) and start a new one."""
        previous = self._run_closed
        closed = self._run_closed = asyncio.Event()
        self.scrub = None
        self.run_count += 1
        self.run_worker(
            self._drive(previous, closed, driver),
            name=f"run-{self.run_count}",
            group="run",
            exclusive=True,
            exit_on_error=False,
        )

    async def _drive(
        self, previous: asyncio.Event | None, closed: asyncio.Event, driver: Driver | None
    ) -> None:
        session = self.osmo.session
        try:
            if previous is not None:
                await previous.wait()  # containers/pods of the old run are gone before this starts
            self.pending, self.posted = [], False
            active = session.start(driver)
            self.playback.anchor(self.osmo.clock(), active.now)
            self.query_one(RunHeader).started_at = self.osmo.clock()
            self._show_plan()
            if active.realtime:
                await active.run(self.deliver)
            else:
                await self._play(active)
        finally:
            try:
                await self._wind_down(session.driver)
            finally:
                closed.set()  # whatever happened, the next run must not wait forever

    async def _wind_down(self, driver: Driver | None) -> None:
        """End the run on the record (canceled if unfinished), close its backend, close the record."""
        session = self.osmo.session
        if driver is not None:
            leftover, self.pending = self.pending, []
            try:
                leftover += driver.abandon("superseded in osmo-tui")
            except OsmoTuiError as exc:  # the engine refused the cancel: keep what we have
                self.notify(exc.render(), severity="warning", timeout=4)
            self._absorb(leftover)
            await driver.close()
        session.finish_recording()

    async def _play(self, driver: Driver) -> None:
        """Step a virtual-time driver, pacing virtual time to wall time by the chosen speed."""
        clock, pb = self.osmo.clock, self.playback
        budget = time.perf_counter()
        while not driver.finished:
            next_time = driver.next_time
            if next_time is None:
                break
            if not pb.may_step:
                await self._sleep(0.25)
                continue
            wait = pb.due_in(next_time, clock())
            if wait > 0:
                await self._sleep(min(wait, 0.1))
                continue
            self.deliver(driver.step())
            if pb.steps_requested:  # a single step: the paused clock moves to the event
                pb.anchor(clock(), driver.now)
            pb.stepped()
            if not math.isinf(pb.speed) or time.perf_counter() - budget > STEP_BUDGET:
                await asyncio.sleep(0)  # let the screen paint between bursts
                budget = time.perf_counter()

    async def _sleep(self, seconds: float) -> None:
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=seconds)

    def wake(self) -> None:
        """Playback settings changed: the worker re-reads them now rather than after a sleep."""
        self._wake.set()
        self._update_header()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place a worker's failure becomes a message to the user."""
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            error = event.worker.error
            render = getattr(error, "render", None)
            text = render() if callable(render) else f"{type(error).__name__}: {error}"
            self.notify(text, title=f"{event.worker.group} failed", severity="error", timeout=8)

    # --- hot reload --------------------------------------------------------------------------

    async def _watch(self) -> None:
        from simulator.watch import awatch_files

        session = self.osmo.session
        async for changed in awatch_files(session.dependencies):
            if session.current_fingerprint() != session.fingerprint:  # e.g. already reloaded
                self.reload(changed)

    def reload(self, changed: set[Path] | None = None) -> LoadOutcome:
        """Re-read the workflow; valid: new run with a summary; invalid: errors, old graph kept."""
        session = self.osmo.session
        had_plan = session.plan is not None
        outcome = session.load()
        self._show_errors()
        if outcome.ok:
            self.osmo.invalidate_badges()
            summary = outcome.diff.summary() if outcome.diff is not None else "loaded"
            workflow = session.options.path
            others = sorted(
                p.name for p in changed or () if workflow is None or p != workflow.resolve()
            )
            if others:  # a localpath file, the pool config or the scenario: say which
                summary = f"{', '.join(others)} changed; {summary}"
            self.note = f"reloaded: {summary}" if had_plan else ""
            if had_plan:
                self.notify(self.note, title="Workflow changed", timeout=4)
            self.start_run()
        else:
            kept = "; showing the last valid graph" if had_plan else ""
            self.note = f"{len(outcome.errors)} error(s){kept}"
            self.notify(self.note, title="Workflow invalid", severity="warning", timeout=4)
            self._update_header()
        self.post_message(self.Reloaded(outcome))
        return outcome
