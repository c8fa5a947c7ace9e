"""`Reloader`: prepare a request again after each change, keep the last good run, say what changed.

The app's hot reload and `run --watch --headless` both reload through here. A reload that fails
for any reason, an internal error included, is an outcome with errors, never an exception: the
watcher must survive every save and pick up the next one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
    fields: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Per changed task, which of its fields changed (`train: command, image`)."""

    def changes(self) -> str:
        """`train: command, image; eval added; old removed` (or the diff's summary)."""
        diff = self.diff
        if diff is None:
            return "loaded"
        parts = [f"{name}: {', '.join(self.fields.get(name, ()))}" for name in diff.changed]
        parts += [f"{name} added" for name in diff.added]
        parts += [f"{name} removed" for name in diff.removed]
        if not parts:
            return diff.summary()
        shown = parts[:6] + ([f"… {len(parts) - 6} more"] if len(parts) > 6 else [])
        return "; ".join(p.rstrip(": ") for p in shown)


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
        if old is None:
            return LoadOutcome(True, [])
        before, after = old.task_specs(), prepared.task_specs()
        diff = diff_tasks(before, after)
        fields = {name: changed_fields(before[name], after[name]) for name in diff.changed}
        return LoadOutcome(True, [], diff, fields)

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


def changed_fields(old: Any, new: Any) -> tuple[str, ...]:
    """Which fields of a task differ between two loads (`task_specs` values: the group and the
    spec as data); `group` when it moved, `spec` when the shapes cannot be compared."""
    if isinstance(old, tuple) and isinstance(new, tuple) and len(old) == len(new) == 2:
        out = ("group",) if old[0] != new[0] else ()
        return out + _dict_fields(old[1], new[1])
    return _dict_fields(old, new)


def _dict_fields(old: Any, new: Any) -> tuple[str, ...]:
    if isinstance(old, dict) and isinstance(new, dict):
        keys = list(old) + [k for k in new if k not in old]
        return tuple(str(k) for k in keys if old.get(k) != new.get(k))
    return () if old == new else ("spec",)
