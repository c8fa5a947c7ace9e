"""The run store: every run leaves a directory that can be inspected or replayed later.

Layout of a run directory: `meta.json` (what ran, where, when), `spec.yaml` (the rendered spec),
`events.jsonl` (the event stream, written and flushed as it happens), `logs/<task>[.retry-N].log`,
`outputs/<task>/` (real backends) and `report.json` (the `--json` document, written at the end).
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from simulator.engine.events import Event, RunFinished, TaskLog, event_to_dict
from simulator.engine.plan import Plan
from simulator.engine.report import build_report
from simulator.engine.snapshot import RunSnapshot, fold
from simulator.errors import UsageError
from simulator.runs.reading import (
    DamagedRun,
    events_problem,
    read_events,
    read_log,
    read_meta,
    read_report,
    read_spec,
)

_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")
_MAX_OPEN_LOGS = 64


def runs_root() -> Path:
    """`$OSMO_TUI_RUNS_DIR`, else `./.osmo-tui/runs`."""
    env = os.environ.get("OSMO_TUI_RUNS_DIR")
    return Path(env) if env else Path.cwd() / ".osmo-tui" / "runs"


def log_name(task: str, retry: int) -> str:
    return f"{task}.log" if retry == 0 else f"{task}.retry-{retry}.log"


@dataclass
class RunInfo:
    id: str
    path: Path
    workflow: str = ""
    workflow_id: str = ""
    backend: str = ""
    status: str = ""
    created: float = 0.0
    source: str = ""
    damaged: str = ""
    """Why the run cannot be replayed ('' when it can): a missing or broken file."""
    pid: int = 0
    """The process that recorded the run (0: not recorded); says whose death left it RUNNING."""


@dataclass
class RecordedRun:
    info: RunInfo
    events: list[Event]
    spec: str
    report: dict[str, Any] | None = None
    logs: dict[str, str] = field(default_factory=dict)
    """File name under logs/ -> contents."""


class RunRecorder:
    """Writes one run as it happens; `close()` is idempotent and safe on every exit path."""

    def __init__(self, path: Path, info: RunInfo, plan: Plan | None = None) -> None:
        self.path = path
        self.info = info
        self._snapshot = RunSnapshot.from_plan(plan) if plan is not None else None
        self._finished = False
        self._events: IO[str] | None = (path / "events.jsonl").open("a", encoding="utf-8")
        self._logs: dict[str, IO[str]] = {}

    def record(self, event: Event) -> None:
        """Append one event and flush it (a crash loses nothing already recorded)."""
        self.record_many((event,))

    def record_many(self, events: Iterable[Event]) -> None:
        """Append a batch (one simulator step) and flush once."""
        if self._events is None:
            return
        write = self._events.write
        snap = self._snapshot
        for event in events:
            write(json.dumps(event_to_dict(event), separators=(",", ":")) + "\n")
            if snap is not None:
                fold(snap, event)
            if isinstance(event, TaskLog):
                self._log(event)
            elif isinstance(event, RunFinished):
                self.info.status = str(event.status)
        self._events.flush()
        for handle in self._logs.values():
            handle.flush()

    def _log(self, event: TaskLog) -> None:
        name = log_name(event.task, event.retry)
        handle = self._logs.get(name)
        if handle is None:
            if len(self._logs) >= _MAX_OPEN_LOGS:
                self._logs.pop(next(iter(self._logs))).close()
            handle = self._logs[name] = (self.path / "logs" / name).open("a", encoding="utf-8")
        handle.write(event.line + "\n")

    def output_dir(self, task: str) -> Path:
        out = self.path / "outputs" / task
        out.mkdir(parents=True, exist_ok=True)
        return out

    def finish(self, report: dict[str, Any]) -> None:
        """Write report.json and the final status into meta.json, then close."""
        self._finished = True
        (self.path / "report.json").write_text(json.dumps(report, indent=2) + "\n")
        self.info.status = str(report.get("workflow", {}).get("status", self.info.status))
        self._write_meta()
        self.close()

    def close(self) -> None:
        if not self._finished and self._snapshot is not None and self._events is not None:
            self.finish(build_report(self._snapshot))
            return
        if self._events is not None:
            self._events.close()
            self._events = None
        for handle in self._logs.values():
            handle.close()
        self._logs.clear()

    def _write_meta(self) -> None:
        meta = {k: v for k, v in vars(self.info).items() if k not in ("path", "id")}
        (self.path / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")


class RunStore:
    """The directory of runs; `create` starts recording one, `list`/`load` read them back."""

    def __init__(self, root: Path | str | None = None) -> None:
        self.root = Path(root) if root is not None else runs_root()

    def create(
        self,
        plan: Plan | None = None,
        *,
        backend: str,
        rendered: str | None = None,
        spec: str | None = None,
        workflow: str | None = None,
        workflow_id: str | None = None,
        source: str = "",
        track: bool = True,
    ) -> RunRecorder:
        """Start recording a run. With `plan` (and `track`), the recorder folds the events itself
        and writes report.json on `close()` if nobody called `finish()`."""
        workflow = workflow or (plan.workflow if plan else "workflow")
        workflow_id = workflow_id or (plan.workflow_id if plan else workflow)
        stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
        base = f"{stamp}-{_SAFE.sub('-', workflow_id)}"
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            for n in range(1, 10_000):
                run_id = base if n == 1 else f"{base}-{n}"
                path = self.root / run_id
                try:
                    path.mkdir()
                    break
                except FileExistsError:
                    continue
            (path / "logs").mkdir()
            (path / "spec.yaml").write_text(spec if spec is not None else rendered or "")
        except OSError as exc:
            raise UsageError(f"cannot write the run store at {self.root}: {exc.strerror}") from exc
        info = RunInfo(run_id, path, workflow, workflow_id, backend, "RUNNING", time.time(), source)
        info.pid = os.getpid()
        recorder = RunRecorder(path, info, plan if track else None)
        recorder._write_meta()
        return recorder

    def claim_workflow_id(self, name: str) -> str:
        """The next `<name>-N` (as OSMO numbers submissions) that no run here has used.

        The claim is a hidden file created exclusively: two processes starting at once get two
        numbers. Claims are kept, so a number is never handed out twice (OSMO never reuses one)."""
        pattern = re.compile(re.escape(name) + r"-(\d+)")
        used = [info.workflow_id for info in self.list()]
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            used += [p.name[1:-3] for p in self.root.glob(".*.id")]
            numbers = [int(m.group(1)) for u in used if (m := pattern.fullmatch(u))]
            n = max(numbers, default=0) + 1
            while True:
                workflow_id = f"{name}-{n}"
                try:
                    os.close(os.open(self.root / f".{workflow_id}.id", os.O_CREAT | os.O_EXCL))
                    return workflow_id
                except FileExistsError:
                    n += 1
        except OSError as exc:
            raise UsageError(f"cannot write the run store at {self.root}: {exc.strerror}") from exc

    def list(self) -> list[RunInfo]:
        """Every run, oldest first; a damaged one is listed with `damaged` saying why."""
        try:
            entries = sorted(p for p in self.root.iterdir() if p.is_dir())
        except OSError:  # no store yet, or not a directory we may read
            return []
        return [self._info(p) for p in entries]

    def resolve(self, run_id: str) -> Path:
        """A run by id, by unique substring, or `latest`."""
        runs = self.list()
        if run_id == "latest" and runs:
            return runs[-1].path
        exact = [r for r in runs if r.id == run_id]
        if exact:
            return exact[0].path
        partial = [r for r in runs if run_id in r.id]
        if len(partial) == 1:
            return partial[0].path
        if not partial:
            raise UsageError(f"no run {run_id!r} in {self.root}")
        raise UsageError(f"{run_id!r} matches {len(partial)} runs; be more specific")

    def load(self, run_id: str) -> RecordedRun:
        """A run, read back whole; DamagedRun (one line, exit 1) when any of its files is bad."""
        path = self.resolve(run_id)
        info = self._info(path)
        if info.damaged:
            raise DamagedRun(f"run {info.id} is damaged: {info.damaged}")
        try:
            events = read_events(path)
            report = read_report(path)
            logs = {p.name: read_log(p) for p in sorted((path / "logs").glob("*.log"))}
            spec = read_spec(path)
        except DamagedRun as exc:
            raise DamagedRun(f"run {info.id} is damaged: {exc}") from None
        return RecordedRun(info, events, spec, report, logs)

    @staticmethod
    def _info(path: Path) -> RunInfo:
        try:
            meta = read_meta(path)
        except DamagedRun as exc:
            return RunInfo(path.name, path, damaged=str(exc))
        return RunInfo(path.name, path, **meta, damaged=events_problem(path))
