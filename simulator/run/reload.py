"""`Reloader`: prepare a request again after each change, keep the last good run, say what changed.

The app's hot reload and `run --watch --headless` both reload through here. A reload that fails
for any reason, an internal error included, is an outcome with errors, never an exception: the
watcher must survive every save and pick up the next one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from simulator import inputs
from simulator.errors import SpecError, crash_log
from simulator.run.prepare import PreparedRun, PrepareError, extra_dependencies, prepare
from simulator.run.request import RunRequest
from simulator.watch import PlanDiff, diff_tasks

Fingerprint = tuple[tuple[str, bytes], ...]


@dataclass
class LoadOutcome:
    """One (re)load: valid (with what changed since the last good one) or its errors."""

    ok: bool
    errors: list[SpecError] = field(default_factory=list)
    diff: PlanDiff | None = None


class Reloader:
    """The request, its last good preparation, and the files whose change means a reload."""

    def __init__(self, request: RunRequest) -> None:
        self.request = request
        self.prepared: PreparedRun | None = None
        self.errors: list[SpecError] = []
        self.failed_dependencies: list[Path] = []
        """Files read by the last load if it failed (watched until a load succeeds)."""
        self.fingerprint: Fingerprint = ()
        """The watched files' contents at the last load (a save that changes nothing is no news)."""

    def load(self) -> LoadOutcome:
        """(Re)prepare; on success the run changes, on failure the last good one stays."""
        try:
            prepared = prepare(self.request)
        except PrepareError as exc:
            # The files the failed load read are watched too: fixing a localpath file or the
            # credential store that made it fail must reload it.
            self.failed_dependencies = list(exc.dependencies)
            return self._failed(exc.errors)
        except Exception as exc:  # a bug must not stop hot reload: say it, keep watching
            where = crash_log(exc)
            self.failed_dependencies = []
            return self._failed([SpecError(f"internal error: {exc!r} (details in {where})")])
        self.failed_dependencies = []
        old, self.prepared, self.errors = self.prepared, prepared, []
        self.fingerprint = self.current_fingerprint()
        diff = diff_tasks(old.task_specs(), prepared.task_specs()) if old is not None else None
        return LoadOutcome(True, [], diff)

    def _failed(self, errors: list[SpecError]) -> LoadOutcome:
        self.errors = errors
        self.fingerprint = self.current_fingerprint()
        return LoadOutcome(False, errors)

    def dependencies(self) -> list[Path]:
        """Workflow, localpath files, pool config, scenario, and the files a failed load read."""
        if self.prepared is not None:
            paths = self.prepared.dependencies()
        else:
            own = [self.request.path] if self.request.path is not None else []
            paths = own + extra_dependencies(self.request)
        return paths + [p for p in self.failed_dependencies if p not in paths]

    def current_fingerprint(self) -> Fingerprint:
        out = []
        for path in self.dependencies():
            try:  # through the input boundary: a FIFO or /dev/zero dependency must not block
                out.append((str(path), inputs.read_bytes(path)))
            except inputs.InputError:
                out.append((str(path), b""))
        return tuple(out)

    def changed_since_load(self) -> bool:
        return self.current_fingerprint() != self.fingerprint
