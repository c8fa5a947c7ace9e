"""`Execution`: a prepared run started, with its record and its folded snapshot; `start` makes one.

Every surface folds and records through an `Execution`, so the report the app writes, the one
`simulate --json` prints and the one a replay shows are built by the same code from the same
events.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator.engine.events import Event
from simulator.engine.from_spec import plan_from_spec
from simulator.engine.realtime import current_user
from simulator.engine.report import build_report
from simulator.engine.snapshot import RunSnapshot, fold
from simulator.errors import OsmoTuiError
from simulator.run.prepare import PreparedRun
from simulator.run.request import SimOptions
from simulator.run.runs import ReplayRun, Run, SimulatedRun
from simulator.runs.store import RunRecorder, RunStore

if TYPE_CHECKING:
    from simulator.run.control import Canceller, ControlServer


class Execution:
    """One run of a prepared workflow: the `Run`, its run-store record and its snapshot."""

    def __init__(self, prepared: PreparedRun, run: Run, recorder: RunRecorder | None) -> None:
        self.prepared = prepared
        self.run = run
        self.recorder = recorder
        self.snapshot = RunSnapshot.from_plan(prepared.plan)
        self.snapshot.backend = run.backend
        self.report: dict[str, Any] | None = None
        self.run_dir: Path | None = recorder.path if recorder is not None else None
        """The run's directory in the run store (None when not recorded)."""
        self.control: ControlServer | None = None
        """The local control endpoint (`osmo-tui workflow ...`) while the run is live."""

    def absorb(self, events: list[Event]) -> None:
        """Record a batch, then fold it into the snapshot."""
        if self.recorder is not None:
            self.recorder.record_many(events)
        snap = self.snapshot
        for event in events:
            fold(snap, event)
        if self.control is not None:
            self.control.observe(events)

    async def run_to_end(self, *observers: Any) -> dict[str, Any]:
        """Run to the end, absorbing every batch (then each observer sees it); the report."""

        def observe(events: list[Event]) -> None:
            self.absorb(events)
            for observer in observers:
                observer(events)

        await self.open_control(lambda cancel: observe(self.run.cancel(cancel)))
        try:
            await self.run.run(observe)
        finally:
            try:
                await self.run.close()
            finally:
                await self.close_control()
        return self.finish() or build_report(self.snapshot)

    async def open_control(self, cancel: Canceller) -> None:
        """Serve the control endpoint of a recorded run; `cancel` applies a cancel request."""
        if self.run_dir is None or self.control is not None:
            return
        from simulator.run.control import ControlServer

        control = ControlServer(self, cancel)
        try:
            await control.start()
        except (
            OSError,
            OsmoTuiError,
        ):  # no endpoint (e.g. a read-only store): the run itself goes on
            await control.close()
            return
        self.control = control

    async def close_control(self) -> None:
        control, self.control = self.control, None
        if control is not None:
            await control.close()

    def finish(self) -> dict[str, Any] | None:
        """Close the record; a finished run gets its report (the `--json` document)."""
        recorder, self.recorder = self.recorder, None
        if self.snapshot.finished:
            self.report = build_report(self.snapshot)
        if recorder is not None:
            if self.report is not None:
                recorder.finish(self.report)
            else:
                recorder.close()
        return self.report


def start(
    prepared: PreparedRun, *, replay: list[Event] | None = None, fresh: tuple[str, ...] = ()
) -> Execution:
    """Build the request's `Run` (or a replay of `replay`) and, if asked, its record. `fresh`:
    tasks that run even when their group could be reused, with everything downstream."""
    request = prepared.request
    if request.record and replay is None:
        _claim_workflow_id(prepared)
    run = ReplayRun(replay) if replay is not None else _make_run(prepared, fresh)
    recorder = _recorder(prepared, run.backend) if request.record and replay is None else None
    if recorder is not None and not run.stepped:
        _give_run_dir(run, recorder.path)
    return Execution(prepared, run, recorder)


def _claim_workflow_id(prepared: PreparedRun) -> None:
    """A recorded run without an asked-for id gets the store's next free `<name>-N`; the plan
    is rebuilt with it (tokens and hostnames carry the id) and shared with whoever holds it."""
    loaded = prepared.loaded
    if prepared.request.workflow_id is not None or loaded is None:
        return
    workflow_id = RunStore().claim_workflow_id(prepared.plan.workflow)
    if workflow_id != prepared.plan.workflow_id:
        prepared.plan = plan_from_spec(loaded, workflow_id=workflow_id)


def _make_run(prepared: PreparedRun, fresh: tuple[str, ...] = ()) -> Run:
    from simulator.backends.sim import SimRun

    request = prepared.request
    options = request.backend
    if isinstance(options, SimOptions):
        sim = SimRun(
            prepared.plan,
            prepared.scenario,
            seed=request.seed,
            pool=prepared.pool,
            user=current_user(),
            keep_snapshot=False,  # the Execution folds every event itself
        )
        return SimulatedRun(sim)
    from simulator.run.live import live_run

    return live_run(prepared, options, fresh=fresh)


def _give_run_dir(run: Run, path: Path) -> None:
    from simulator.run.live import LiveRun

    if isinstance(run, LiveRun):
        run.realtime.run_dir = path


def _recorder(prepared: PreparedRun, backend: str) -> RunRecorder:
    """Record the run in the run store (spec, events, logs, report) as it happens."""
    request = prepared.request
    source = str(request.path.resolve()) if request.path is not None else ""
    return RunStore().create(
        workflow=prepared.plan.workflow,
        workflow_id=prepared.plan.workflow_id,
        backend=backend,
        spec=prepared.rendered,
        source=source,
    )
