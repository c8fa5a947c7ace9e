"""`RunController`: the main screen's engine side — the run worker, the event stream, hot reload,
run control (re-run, cancel, pause, step, speed).

The screen owns one and shows what it reports. A run is an exclusive worker that steps (or awaits)
the session's `Run` and hands its events to `deliver`, which buffers them and posts one message
per batch: nothing is dropped, and however fast events come the views repaint on their own timer.
Hot reload is a second exclusive worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import math
import time
from pathlib import Path
from typing import TYPE_CHECKING

from textual.message import Message

from osmo_tui.app.playback import speed_label
from simulator.engine.events import CancelScope, Event, RunFinished
from simulator.engine.snapshot import RunSnapshot
from simulator.errors import OsmoTuiError
from simulator.run import Cancel, LoadOutcome, Run

if TYPE_CHECKING:
    from osmo_tui.app.app import OsmoApp
    from osmo_tui.app.screens.main import MainScreen

STEP_BUDGET = 0.008
"""Seconds of simulator stepping (at instant speed) before the worker lets the screen run."""
SHUTDOWN_SECONDS = 90.0
"""How long quitting waits for the run's backend to remove its containers/pods (their grace
period, then a kill, is far shorter; this only bounds a backend that no longer answers)."""


class RunController:
    """Starts, feeds, paces, cancels and replaces runs for the screen that shows them."""

    class EventsArrived(Message):
        """Events are waiting in the controller's buffer (one message per batch, however large)."""

    class Reloaded(Message):
        """The workflow was re-read after a change on disk (or after the editor closed)."""

        def __init__(self, outcome: LoadOutcome) -> None:
            super().__init__()
            self.outcome = outcome

    class RunEnded(Message):
        def __init__(self, snapshot: RunSnapshot) -> None:
            super().__init__()
            self.snapshot = snapshot

    def __init__(self, view: MainScreen) -> None:
        self.view = view
        self.pending: list[Event] = []
        self.posted = False
        self.changed: set[str] = set()
        self.dirty = False
        self.run_count = 0
        self.note = ""
        self._run_closed: asyncio.Event | None = None
        self.quitting = False
        """The app is quitting: no run starts any more (a key, a reload, a re-run)."""
        self._wake = asyncio.Event()

    @property
    def osmo(self) -> OsmoApp:
        return self.view.osmo

    # --- the event stream --------------------------------------------------------------------

    def deliver(self, events: list[Event]) -> None:
        """Called by the run worker: buffer (never drop) and post one message per batch."""
        self.pending.extend(events)
        if not self.posted:
            self.posted = True
            self.view.post_message(self.EventsArrived())

    def absorb_pending(self) -> None:
        self.posted = False
        batch, self.pending = self.pending, []
        self._absorb(batch)

    def _absorb(self, batch: list[Event], *, announce: bool = True) -> None:
        """Fold a batch into the session and mark the views for the next repaint; a run that
        ends is announced, unless it ends because it was replaced (that is no news)."""
        session = self.osmo.session
        if not batch or session.snapshot is None:
            return
        self.changed |= session.apply(batch)
        self.dirty = True
        if announce and any(isinstance(event, RunFinished) for event in batch):
            self.view.post_message(self.RunEnded(session.snapshot))

    # --- the run worker ----------------------------------------------------------------------

    def start_run(
        self,
        run: Run | None = None,
        replay: list[Event] | None = None,
        fresh: tuple[str, ...] = (),
    ) -> None:
        """Cancel the current run (its backend closes first) and start a new one; `fresh`
        tasks, and what depends on them, run even when their result could be reused."""
        if self.quitting:
            return
        previous = self._run_closed
        closed = self._run_closed = asyncio.Event()
        self.run_count += 1
        self.view.run_worker(
            self._drive(previous, closed, run, replay, fresh),
            name=f"run-{self.run_count}",
            group="run",
            exclusive=True,
            exit_on_error=False,
        )

    async def _drive(
        self,
        previous: asyncio.Event | None,
        closed: asyncio.Event,
        run: Run | None,
        replay: list[Event] | None,
        fresh: tuple[str, ...] = (),
    ) -> None:
        session = self.osmo.session
        try:
            if previous is not None:
                await previous.wait()  # containers/pods of the old run are gone before this starts
            self.pending, self.posted = [], False
            active = session.start(run, replay, fresh=fresh)
            execution = session.execution
            if execution is not None:  # `osmo-tui workflow` verbs reach the app's run too
                await execution.open_control(self.remote_cancel)
            self.osmo.playback.anchor(self.osmo.clock(), active.now)
            self.view.run_started()
            self.view.show_plan()
            if active.stepped:
                await self._play(active)
            else:
                await active.run(self.deliver)
            self._announce_unfinished()
        finally:
            try:
                await self._wind_down(session.run)
            finally:
                if session.execution is not None:
                    await session.execution.close_control()
                closed.set()  # whatever happened, the next run must not wait forever

    def has_something_to_close(self) -> bool:
        """A live run's backend still has containers/pods to remove (quitting waits for them)."""
        run = self.osmo.session.run
        if run is None or run.stepped:  # the simulator and replays hold nothing outside
            return False
        return self._run_closed is not None and not self._run_closed.is_set()

    async def shutdown(self) -> None:
        """The app quits: end the run as a re-run would (abandoned on the record) and wait until
        its backend has removed its containers/pods, so quitting leaves nothing running."""
        self.quitting = True
        run = self.osmo.session.run
        self.view.workers.cancel_group(self.view, "run")
        try:
            async with asyncio.timeout(SHUTDOWN_SECONDS):
                if self._run_closed is not None:
                    await self._run_closed.wait()
                if run is not None:
                    await run.close()  # waits for the close in flight (idempotent)
        except TimeoutError:
            self.view.app.log.warning("quit: the run's backend did not close in time")

    def _announce_unfinished(self) -> None:
        """A replayed record that stops unfinished ends UNKNOWN, and says why (once)."""
        self.absorb_pending()
        ended = self.osmo.session.unfinished_end()
        if ended:
            self.view.notify(ended, title="Run ended", severity="warning", timeout=6)
            self.view.update_header()

    async def _wind_down(self, run: Run | None) -> None:
        """End the run on the record (canceled if unfinished), close its backend, close the record."""
        session = self.osmo.session
        if run is not None:
            leftover, self.pending = self.pending, []
            self._absorb(leftover)
            try:
                abandoned = run.abandon("superseded in osmo-tui")
            except OsmoTuiError as exc:  # the engine refused the cancel: keep what we have
                self.view.notify(exc.render(), severity="warning", timeout=4)
                abandoned = []
            self._absorb(abandoned, announce=False)
            await run.close()
        session.finish_recording()

    async def _play(self, run: Run) -> None:
        """Step a virtual-time run, pacing virtual time to wall time by the chosen speed."""
        clock, pb = self.osmo.clock, self.osmo.playback
        budget = time.perf_counter()
        while not run.finished:
            next_time = run.next_time
            if next_time is None:
                break
            if not pb.may_step:
                await self._sleep(0.25)
                continue
            wait = pb.due_in(next_time, clock())
            if wait > 0:
                await self._sleep(min(wait, 0.1))
                continue
            self.deliver(run.step())
            if pb.steps_requested:  # a single step: the paused clock moves to the event
                pb.anchor(clock(), run.now)
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
        self.view.update_header()

    # --- run control -------------------------------------------------------------------------

    def rerun(self, fresh: tuple[str, ...] = ()) -> None:
        """Start again; `fresh`: these tasks and their dependents run even if reusable."""
        session = self.osmo.session
        if session.plan is None:
            self.reload()
            return
        if self.osmo.replay_events is not None:
            self.start_run(replay=self.osmo.replay_events)
            return
        self.note = ""
        self.start_run(fresh=fresh)
        if session.errors:  # the file on disk is broken: say which version runs
            self.view.notify(
                "The workflow has errors: re-running its last valid version", timeout=4
            )
        elif fresh:
            self.view.notify(
                f"Run restarted: {', '.join(fresh)} and its dependents fresh", timeout=3
            )
        else:
            self.view.notify("Run restarted", timeout=2)

    def confirm_cancel(self, scope: CancelScope, name: str = "") -> None:
        """Ask first (a cancel cannot be undone), then cancel through `cancel` at the time shown
        when the answer comes."""
        from osmo_tui.app.screens.dialogs import ConfirmDialog

        refusal = self._cannot_cancel(scope)
        if refusal:
            self.view.notify(refusal, severity="warning", timeout=3)
            return
        snap = self.osmo.session.snapshot
        if scope == "group" and snap is not None and name in snap.groups:
            tasks = ", ".join(snap.groups[name].tasks)
            title, body = f"Cancel group {name}?", f"Its tasks ({tasks}) end FAILED_CANCELED."
        else:
            what = snap.workflow_id if snap is not None else "the workflow"
            title = f"Cancel workflow {what}?"
            body = "Every task still running or waiting ends FAILED_CANCELED."

        def answered(yes: object) -> None:
            if yes is True:
                self.cancel(scope, name, self.position())

        self.view.app.push_screen(ConfirmDialog(title, body, yes=f"cancel the {scope}"), answered)

    def _cannot_cancel(self, scope: CancelScope) -> str:
        run = self.osmo.session.run
        if run is None or run.finished:
            return "Nothing is running"
        if not run.can_cancel or (scope != "workflow" and not run.can_cancel_task):
            return f"This run cannot cancel a {scope}"
        return ""

    def cancel(self, scope: CancelScope, name: str, position: float | None) -> None:
        """Cancel the workflow, a group or a task; `position` is the virtual time shown now."""
        run = self.osmo.session.run
        refusal = self._cannot_cancel(scope)
        if run is None or refusal:
            self.view.notify(refusal, severity="warning", timeout=3)
            return
        request = Cancel(
            scope, name, "Canceled from osmo-tui", at=position if run.stepped else None
        )
        try:
            events = run.cancel(request)
        except OsmoTuiError as exc:  # OSMO refuses some cancels (e.g. a finished task)
            self.view.notify(exc.render(), severity="warning", timeout=4)
            return
        self.retime()
        self.deliver(events)
        self.wake()
        what = "workflow" if scope == "workflow" else f"{scope} {name}"
        self.view.notify(f"Cancel requested for {what}", timeout=3)

    def remote_cancel(self, request: Cancel) -> None:
        """A cancel from `osmo-tui workflow cancel`: as the `c` key, at the time shown now."""
        run = self.osmo.session.run
        if run is None or run.finished:
            raise OsmoTuiError("the workflow has already finished")
        at = self.position() if run.stepped else None
        events = run.cancel(dataclasses.replace(request, at=at))
        self.retime()
        self.deliver(events)
        self.wake()

    def position(self) -> float | None:
        """The virtual time shown between events while a stepped run plays (None otherwise)."""
        run = self.osmo.session.run
        if run is None or not run.stepped or run.finished:
            return None
        return self.osmo.playback.position(self.osmo.clock(), run.now, run.next_time)

    def retime(self) -> None:
        run = self.osmo.session.run
        if run is not None and run.stepped:
            self.osmo.playback.retime(self.osmo.clock(), run.now, run.next_time)

    def toggle_pause(self) -> None:
        self.retime()
        self.osmo.playback.paused = not self.osmo.playback.paused
        self.wake()

    def step_once(self) -> None:
        self.retime()
        self.osmo.playback.paused = True
        self.osmo.playback.steps_requested += 1
        self.wake()

    def change_speed(self, delta: int) -> None:
        self.retime()
        speed = self.osmo.playback.change_speed(delta)
        self.wake()
        self.view.notify(f"Speed {speed_label(speed)}", timeout=2)

    def pause_live(self) -> None:
        """Scrubbing a playing run pauses it first."""
        run = self.osmo.session.run
        if run is not None and not run.finished and not self.osmo.playback.paused:
            self.retime()
            self.osmo.playback.paused = True
            self.wake()

    # --- hot reload --------------------------------------------------------------------------

    def watch(self) -> None:
        self.view.run_worker(
            self._watch(), name="watch", group="watch", exclusive=True, exit_on_error=False
        )

    async def _watch(self) -> None:
        from simulator.watch import awatch_files

        session = self.osmo.session
        async for changed in awatch_files(session.dependencies):
            if session.reloader.changed_since_load():  # e.g. already reloaded
                self.reload(changed)

    def reload(self, changed: set[Path] | None = None) -> LoadOutcome:
        """Re-read the workflow; valid: new run with a summary; invalid: errors, old graph kept.

        `Session.load` never raises: every failure, a bug included, is an outcome with errors,
        so the watcher keeps watching whatever a save contained."""
        session = self.osmo.session
        had_plan = session.plan is not None
        outcome = session.load()
        self.view.show_errors()
        if outcome.ok:
            self.osmo.invalidate_badges()
            self._mark_changed(outcome)
            self.note = f"reloaded: {self._summary(outcome, changed)}" if had_plan else ""
            if had_plan:
                self.view.notify(self.note, title="Workflow changed", timeout=4)
            self.start_run()
        else:
            kept = "; showing the last valid graph" if had_plan else ""
            self.note = f"{len(outcome.errors)} error(s){kept}"
            self.view.notify(self.note, title="Workflow invalid", severity="warning", timeout=4)
            self.view.update_header()
            from osmo_tui.app import template_values

            template_values.offer(self.view)
        self.view.post_message(self.Reloaded(outcome))
        return outcome

    def _mark_changed(self, outcome: LoadOutcome) -> None:
        """The graph highlights the tasks the reload changed or added (until the next one)."""
        from osmo_tui.app.widgets.graph import GroupGraph

        diff = outcome.diff
        marked = set(diff.changed) | set(diff.added) if diff is not None else set()
        self.view.query_one(GroupGraph).changed = marked

    def _summary(self, outcome: LoadOutcome, changed: set[Path] | None) -> str:
        summary = outcome.changes()
        workflow = self.osmo.session.request.path
        others = sorted(
            p.name for p in changed or () if workflow is None or p != workflow.resolve()
        )
        if others:  # a localpath file, the pool config or the scenario: say which
            summary = f"{', '.join(others)} changed; {summary}"
        return summary
