"""The app's view of the run pipeline (`simulator.run`): what the screens show, kept per run.

Loading, planning, the run itself, its record and its folded snapshot all come from
`simulator.run`, exactly as for `simulate`; a `Session` adds only what the screens need on top:
the event list (for the raw view and for scrubbing), a bounded in-memory log per task (the full
log lives in the run store on disk) and when each task entered its pre-run phases.
"""

from __future__ import annotations

from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING

from osmo_tui.app.attempts import AttemptLog
from simulator.engine.events import Event, TaskLog, TaskStatusChanged
from simulator.engine.plan import Plan
from simulator.engine.snapshot import RunSnapshot, fold
from simulator.errors import SpecError
from simulator.run import (
    Execution,
    LoadOutcome,
    PreparedRun,
    Reloader,
    Run,
    RunRequest,
    start,
)
from simulator.spec.loader import LoadedWorkflow

if TYPE_CHECKING:
    from osmo_tui.app.whatif import WhatIfs

LOG_LINES_IN_MEMORY = 5000
"""Per task; older lines stay in the run store's log file."""


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
    """A workflow request, its last good preparation and the run being shown."""

    def __init__(self, request: RunRequest, prepared: PreparedRun | None = None) -> None:
        self.request = request
        self.reloader = Reloader(request)
        self.reloader.prepared = prepared
        self.execution: Execution | None = None
        self.events: list[Event] = []
        self.logs = LogBuffer()
        self.attempts = AttemptLog()
        """Every attempt of every task so far (the snapshot keeps only the latest); the task
        detail lists them and the timeline draws them."""
        self.failed: set[str] = set()
        """Tasks whose latest status is a failure (kept as events come: the footer asks often)."""
        self._idle: tuple[Plan, RunSnapshot] | None = None
        self.whatifs: WhatIfs | None = None
        """The what-ifs given in the app (`osmo_tui.app.whatif.WhatIfs`), made on first use."""
        self.recorded_end = ""
        """A replay of a run whose process died: why its record stops before the end."""

    # --- what the last good load gave --------------------------------------------------------

    @property
    def prepared(self) -> PreparedRun | None:
        return self.reloader.prepared

    @property
    def plan(self) -> Plan | None:
        prepared = self.reloader.prepared
        return prepared.plan if prepared is not None else None

    @property
    def loaded(self) -> LoadedWorkflow | None:
        prepared = self.reloader.prepared
        return prepared.loaded if prepared is not None else None

    @property
    def errors(self) -> list[SpecError]:
        return self.reloader.errors

    def use_request(self, request: RunRequest) -> None:
        """Load from now on with `request` (e.g. template values given in the app)."""
        self.request = request
        self.reloader.request = request

    def load(self) -> LoadOutcome:
        """(Re)load the workflow; on success the plan changes, on failure the old plan stays."""
        return self.reloader.load()

    def dependencies(self) -> list[Path]:
        return self.reloader.dependencies()

    # --- the run being shown -----------------------------------------------------------------

    @property
    def run(self) -> Run | None:
        return self.execution.run if self.execution is not None else None

    @property
    def snapshot(self) -> RunSnapshot | None:
        return self.execution.snapshot if self.execution is not None else None

    def idle_snapshot(self) -> RunSnapshot | None:
        """The plan with nothing run yet (shown before the first run starts)."""
        plan = self.plan
        if plan is None:
            return None
        if self._idle is None or self._idle[0] is not plan:
            self._idle = (plan, RunSnapshot.from_plan(plan))
        return self._idle[1]

    @property
    def run_dir(self) -> Path | None:
        return self.execution.run_dir if self.execution is not None else None

    def start(
        self,
        run: Run | None = None,
        replay: list[Event] | None = None,
        *,
        fresh: tuple[str, ...] = (),
    ) -> Run:
        """Begin a new run of the current plan (`run`: one built elsewhere; `replay`: recorded
        events; `fresh`: tasks run even when reusable, with their dependents); resets the view
        state."""
        prepared = self.reloader.prepared
        assert prepared is not None
        self.events = []
        self.attempts = AttemptLog()
        self.failed = set()
        self.logs = LogBuffer()
        if run is not None:
            self.execution = Execution(prepared, run, None)
        else:
            self.execution = start(prepared, replay=replay, fresh=fresh)
        return self.execution.run

    def unfinished_end(self) -> str:
        """A replay played to the end of a record that never finished: the reason it shows
        instead of RUNNING ('' otherwise)."""
        run, snap = self.run, self.snapshot
        if run is None or snap is None or snap.finished or not run.finished:
            return ""
        if self.recorded_end:
            return f"UNKNOWN: {self.recorded_end}"
        if run.backend == "replay":
            return "UNKNOWN: the record ends here (its run did not finish)"
        return ""

    def backend_name(self) -> str:
        run = self.run
        return run.backend if run is not None else self.request.backend_name

    def apply(self, events: list[Event]) -> set[str]:
        """Record and fold events; returns the tasks whose row changed."""
        execution = self.execution
        assert execution is not None
        execution.absorb(events)
        changed: set[str] = set()
        self.events.extend(events)
        self.attempts.absorb(self.events)
        failed = self.failed
        for event in events:
            if type(event) is TaskStatusChanged:  # most events: first, by type (no isinstance)
                task = event.task
                changed.add(task)
                if event.status.failed:
                    failed.add(task)
                else:
                    failed.discard(task)
            elif type(event) is TaskLog:
                self.logs.add(event)
            else:
                other: str | None = getattr(event, "task", None)
                if other:
                    changed.add(other)
        return changed

    def attempts_at(self, count: int) -> AttemptLog:
        """Every attempt as it was after the run's first `count` events (scrubbing)."""
        log = AttemptLog()
        log.absorb(self.events, count)
        return log

    def finish_recording(self) -> None:
        """Close the run's record; a finished run also gets its report (as `--json` prints it)."""
        if self.execution is not None:
            self.execution.finish()

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
        snap.backend = self.backend_name()
        for event in self.events[:count]:
            fold(snap, event)
        return snap
