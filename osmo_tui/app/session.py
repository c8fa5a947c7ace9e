"""The one place the app talks to the core: load a workflow, build its plan, start a run, fold events.

Everything the screens show comes from a `Session`: the last good plan, the current errors, the
snapshot folded from the run's events, the event list (for the raw view and for scrubbing) and a
bounded in-memory log per task (the full log lives in the run store on disk).
"""

from __future__ import annotations

import dataclasses
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from osmo_tui.app.drivers import Driver, RealtimeDriver, ReplayDriver, SimDriver
from simulator.engine.events import Event, TaskLog, TaskStatusChanged
from simulator.engine.plan import Plan, TaskPlan
from simulator.engine.snapshot import RunSnapshot, fold
from simulator.errors import OsmoTuiError, SpecError, SpecErrors
from simulator.spec.submission import Submission
from simulator.watch import PlanDiff, diff_tasks

LOG_LINES_IN_MEMORY = 5000
"""Per task; older lines stay in the run store's log file."""


@dataclass
class RunOptions:
    """How to load and run a workflow (the CLI's options, or a test's)."""

    path: Path | None = None
    backend: str = "sim"
    set_values: tuple[str, ...] = ()
    set_strings: tuple[str, ...] = ()
    pool_config: Path | None = None
    submission: Submission = field(default_factory=Submission)
    """`--label` and `--priority`, as `osmo workflow submit` takes them."""
    scenario: Path | None = None
    seed: int | None = None
    workflow_id: str | None = None
    record: bool = True
    """Write every run to the run store (tests of the UI alone switch it off)."""
    backend_options: dict[str, Any] = field(default_factory=dict)
    """Keyword arguments of the real-time backend (e.g. --kubeconfig/--namespace)."""


@dataclass
class LoadOutcome:
    ok: bool
    errors: list[SpecError] = field(default_factory=list)
    diff: PlanDiff | None = None


class LogBuffer:
    """Bounded per-task log lines (`[retry] line`), with a count of what scrolled out."""

    def __init__(self, limit: int = LOG_LINES_IN_MEMORY) -> None:
        self.limit = limit
        self.lines: dict[str, deque[str]] = {}
        self.dropped: dict[str, int] = {}
        self.total: dict[str, int] = {}
        """Lines ever received per task (a view asks for what came after the count it saw)."""

    def add(self, event: TaskLog) -> None:
        buf = self.lines.get(event.task)
        if buf is None:
            buf = self.lines[event.task] = deque(maxlen=self.limit)
        if len(buf) == self.limit:
            self.dropped[event.task] = self.dropped.get(event.task, 0) + 1
        self.total[event.task] = self.total.get(event.task, 0) + 1
        prefix = f"[{event.retry}] " if event.retry else ""
        marker = "! " if event.stream == "stderr" else ""
        buf.append(f"{prefix}{marker}{event.line}")

    def get(self, task: str) -> list[str]:
        return list(self.lines.get(task, ()))

    def since(self, task: str, seen: int) -> tuple[list[str], int]:
        """Lines received after the first `seen` (those still in memory) and the new count."""
        total = self.total.get(task, 0)
        buf = self.lines.get(task)
        fresh = min(total - seen, len(buf) if buf is not None else 0)
        return (list(buf)[-fresh:] if fresh > 0 and buf is not None else []), total

    def get_with_note(self, task: str, log_path: str) -> list[str]:
        """The lines in memory, after a note when older ones only remain on disk."""
        dropped = self.dropped.get(task, 0)
        lines = self.get(task)
        if dropped:
            where = f" (all of it: {log_path})" if log_path else ""
            return [f"… {dropped} earlier lines not kept in memory{where}", *lines]
        return lines


class Session:
    """A workflow, its last good plan and the run being shown."""

    def __init__(self, options: RunOptions) -> None:
        self.options = options
        self.loaded: Any = None
        self.plan: Plan | None = None
        self.errors: list[SpecError] = []
        self.snapshot: RunSnapshot | None = None
        self.events: list[Event] = []
        self.logs = LogBuffer()
        self.driver: Driver | None = None
        self.run_dir: Path | None = None
        self._recorder: Any = None
        self._task_specs: dict[str, Any] = {}
        self.scenario: Any = None
        self.phases: dict[str, dict[str, float]] = {}
        """Task -> {"SCHEDULING": t, "INITIALIZING": t, "retry": n} of its latest attempt."""
        self.fingerprint: tuple[tuple[str, bytes], ...] = ()
        """The watched files' contents at the last load (a save that changes nothing is not news)."""
        self.failed_dependencies: list[Path] = []
        """Files read by the last load if it failed (watched until a load succeeds)."""

    # --- loading -----------------------------------------------------------------------------

    def load(self) -> LoadOutcome:
        """(Re)load the workflow; on success the plan changes, on failure the old plan stays."""
        from simulator.engine.from_spec import plan_from_spec
        from simulator.spec.loader import load_workflow

        opts = self.options
        assert opts.path is not None
        try:
            loaded = load_workflow(
                opts.path,
                set_values=opts.set_values,
                set_strings=opts.set_strings,
                pool_config=opts.pool_config,
                submission=opts.submission,
            )
            plan = plan_from_spec(loaded, workflow_id=opts.workflow_id)
            scenario = self._load_scenario()
        except SpecErrors as exc:
            # The files the failed load read are watched too: fixing a localpath file or the
            # credential store that made it fail must reload it.
            self.failed_dependencies = [Path(p) for p in getattr(exc, "dependencies", [])]
            self.fingerprint = self.current_fingerprint()
            self.errors = list(exc.errors)
            return LoadOutcome(False, self.errors)
        except SpecError as exc:
            self.errors = [exc]
            return LoadOutcome(False, self.errors)
        except OsmoTuiError as exc:
            self.errors = [SpecError(exc.render())]
            return LoadOutcome(False, self.errors)
        self.failed_dependencies = []
        self.fingerprint = self.current_fingerprint()
        new_specs = _task_specs(loaded, plan)
        diff = diff_tasks(self._task_specs, new_specs) if self.plan is not None else None
        self.loaded, self.plan, self.errors, self._task_specs = loaded, plan, [], new_specs
        self.scenario = scenario
        return LoadOutcome(True, [], diff)

    def _load_scenario(self) -> Any:
        """The scenario file, checked with the workflow (its errors join the error list)."""
        if self.options.backend != "sim" or self.options.scenario is None:
            return None
        from simulator.backends.sim import load_scenario

        return load_scenario(self.options.scenario)

    def use_plan(self, plan: Plan) -> None:
        """Show a plan built elsewhere (tests, replays of recorded runs)."""
        self.plan = plan
        self._task_specs = {name: _plain(t) for name, t in plan.tasks.items()}

    def current_fingerprint(self) -> tuple[tuple[str, bytes], ...]:
        from simulator import inputs

        out = []
        for path in self.dependencies():
            try:  # through the input boundary: a FIFO or /dev/zero dependency must not block
                out.append((str(path), inputs.read_bytes(path)))
            except inputs.InputError:
                out.append((str(path), b""))
        return tuple(out)

    def dependencies(self) -> list[Path]:
        """Files whose change means a reload: workflow, localpath files, pool config, scenario."""
        paths: list[Path] = []
        if self.loaded is not None:
            paths.extend(Path(p) for p in self.loaded.dependencies)
        elif self.options.path is not None:
            paths.append(self.options.path)
        paths.extend(p for p in self.failed_dependencies if p not in paths)
        for extra in (self.options.pool_config, self.options.scenario):
            if extra is not None:
                paths.append(Path(extra))
        return paths

    # --- running -----------------------------------------------------------------------------

    def start(self, driver: Driver | None = None) -> Driver:
        """Begin a new run of the current plan (or play `driver`); resets the view state."""
        assert self.plan is not None
        self.events = []
        self.phases = {}
        self.logs = LogBuffer()
        self.run_dir = None
        backend = driver.backend if driver is not None else self.options.backend
        record = self.options.record and not isinstance(driver, ReplayDriver)
        self._recorder = self._make_recorder(backend) if record else None
        self.driver = driver if driver is not None else self._make_driver()
        self.snapshot = RunSnapshot.from_plan(self.plan)
        self.snapshot.backend = self.driver.backend
        return self.driver

    def _make_driver(self) -> Driver:
        assert self.plan is not None
        opts = self.options
        if opts.backend == "sim":
            from simulator.backends.sim import SimRun, load_scenario

            scenario = self.scenario
            if scenario is None and opts.scenario is not None:
                scenario = load_scenario(opts.scenario)
            pool = getattr(self.loaded, "pool", None)
            return SimDriver(SimRun(self.plan, scenario=scenario, seed=opts.seed, pool=pool))
        from simulator.backends import get_backend
        from simulator.engine.realtime import RealtimeRun

        options = dict(opts.backend_options)
        if opts.backend in ("kubernetes", "docker"):  # both place tasks by the pool's platforms
            options.setdefault("pool", getattr(self.loaded, "pool", None))
        backend = get_backend(opts.backend, **options)
        run = RealtimeRun(self.plan, backend, run_dir=self.run_dir)
        return RealtimeDriver(run, opts.backend)

    def _make_recorder(self, backend: str) -> Any:
        """Record the run in the run store (spec, events, logs, report) as it happens."""
        from simulator.runs import RunStore

        assert self.plan is not None
        rendered = getattr(self.loaded, "rendered", "") or ""
        recorder = RunStore().create(
            workflow=self.plan.workflow,
            workflow_id=self.plan.workflow_id,
            backend=backend,
            spec=rendered,
            source=str(self.options.path or ""),
        )
        self.run_dir = recorder.path
        return recorder

    def driver_name(self) -> str:
        return self.driver.backend if self.driver is not None else self.options.backend

    def apply(self, events: list[Event]) -> set[str]:
        """Fold events into the snapshot; returns the tasks whose row changed."""
        snap = self.snapshot
        assert snap is not None
        changed: set[str] = set()
        if self._recorder is not None:
            self._recorder.record_many(events)
        for event in events:
            self.events.append(event)
            if isinstance(event, TaskLog):
                self.logs.add(event)
                snap.events += 1
                continue
            fold(snap, event)
            task = getattr(event, "task", None)
            if task:
                changed.add(task)
                if isinstance(event, TaskStatusChanged):
                    self._phase(event)
        return changed

    def _phase(self, event: TaskStatusChanged) -> None:
        """When the latest attempt entered each pre-run phase (the timeline draws them)."""
        phases = self.phases.setdefault(event.task, {})
        if event.retry != phases.get("retry", 0):
            phases.clear()
            phases["retry"] = event.retry
        name = str(event.status)
        if name in ("SCHEDULING", "INITIALIZING") and name not in phases:
            phases[name] = event.time

    def finish_recording(self) -> None:
        """Close the run's record; a finished run also gets its report (as `--json` prints it)."""
        recorder, self._recorder = self._recorder, None
        if recorder is None:
            return
        if self.snapshot is not None and self.snapshot.finished:
            from simulator.engine.report import build_report

            recorder.finish(build_report(self.snapshot))
        else:
            recorder.close()

    def log_path(self, task: str) -> Path | None:
        """The task's full log on disk (latest attempt)."""
        if self.run_dir is None or self.snapshot is None:
            return None
        from simulator.runs import log_name

        return self.run_dir / "logs" / log_name(task, self.snapshot.tasks[task].retries)

    def snapshot_at(self, count: int) -> RunSnapshot:
        """The run as it was after its first `count` events (scrubbing)."""
        assert self.plan is not None
        snap = RunSnapshot.from_plan(self.plan)
        snap.backend = self.driver_name()
        for event in self.events[:count]:
            fold(snap, event)
        return snap


def _plain(task: Any) -> Any:
    """A comparable form of a task: its spec as data, or the TaskPlan itself."""
    spec = getattr(task, "spec", None)
    if spec is not None and hasattr(spec, "model_dump"):
        return (task.group, spec.model_dump(mode="json"))
    return dataclasses.replace(task, spec=None) if isinstance(task, TaskPlan) else task


def _task_specs(loaded: Any, plan: Plan) -> dict[str, Any]:
    """Task name -> (group, raw spec) from the loaded workflow (before token substitution)."""
    out: dict[str, Any] = {}
    spec = getattr(loaded, "spec", None)
    for group in getattr(spec, "groups", None) or []:
        for task in group.tasks:
            out[task.name] = (group.name, task.model_dump(mode="json"))
    return out or {name: _plain(t) for name, t in plan.tasks.items()}
