"""Hot reload: a debounced stream of changes to the files a workflow depends on, and what changed.

The files are the workflow, every `localpath` file it reads (`LoadedWorkflow.dependencies`), the
pool config and the scenario. Their parent directories are watched (not the files), because
editors save by writing a temporary file and renaming it over the original, which a watch on
the file itself would lose.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEBOUNCE_MS = 400
"""Longest time changes are grouped before they are reported."""
STEP_MS = 30
"""Quiet time that ends a group early: one save is reported ~30 ms after it lands."""


@dataclass(frozen=True)
class PlanDiff:
    """Tasks added, removed and changed between two loads of a workflow."""

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def summary(self) -> str:
        """One line, e.g. `1 task added (eval); 2 tasks changed (train, prep)`."""
        parts = [
            _part(len(self.added), "added", self.added),
            _part(len(self.removed), "removed", self.removed),
            _part(len(self.changed), "changed", self.changed),
        ]
        text = "; ".join(p for p in parts if p)
        return text or "no task changed"


def _part(n: int, verb: str, names: tuple[str, ...]) -> str:
    if not n:
        return ""
    shown = ", ".join(names[:5]) + (", …" if n > 5 else "")
    return f"{n} task{'s' if n != 1 else ''} {verb} ({shown})"


def diff_tasks(old: dict[str, Any], new: dict[str, Any]) -> PlanDiff:
    """Compare task name -> comparable value (e.g. group and spec as data) of two loads."""
    added = tuple(n for n in new if n not in old)
    removed = tuple(n for n in old if n not in new)
    changed = tuple(n for n in new if n in old and old[n] != new[n])
    return PlanDiff(added, removed, changed)


def _only(targets: set[Path]) -> Callable[[Any, str], bool]:
    """A watch filter passing changes to `targets` only (their directories hold other files)."""
    return lambda _change, path: Path(path).resolve() in targets


def _targets(paths: Iterable[Path | str]) -> tuple[set[Path], list[Path]]:
    targets = {Path(p).resolve() for p in paths}
    roots = sorted({t.parent for t in targets if t.parent.is_dir()})
    return targets, roots


async def awatch_files(
    paths: Callable[[], Iterable[Path | str]],
    *,
    debounce_ms: int = DEBOUNCE_MS,
    step_ms: int = STEP_MS,
    stop_event: Any = None,
) -> AsyncIterator[set[Path]]:
    """Yield each debounced set of changed files; `paths()` is re-read after every change.

    Re-reading matters: a reload can add a `localpath` file, which must be watched from then on.
    """
    from watchfiles import awatch

    while True:
        targets, roots = _targets(paths())
        if not roots:
            return
        hit: set[Path] = set()
        async for changes in awatch(
            *roots,
            recursive=False,
            debounce=debounce_ms,
            step=step_ms,
            stop_event=stop_event,
            watch_filter=_only(targets),
        ):
            hit = {Path(p).resolve() for _c, p in changes}
            if hit:
                break
        if not hit:
            return  # stopped
        yield hit


def watch_files(
    paths: Callable[[], Iterable[Path | str]],
    *,
    debounce_ms: int = DEBOUNCE_MS,
    step_ms: int = STEP_MS,
    stop_event: Any = None,
) -> Iterator[set[Path]]:
    """The blocking form of `awatch_files`, for `osmo-tui run FILE --watch --headless`."""
    from watchfiles import watch

    while True:
        targets, roots = _targets(paths())
        if not roots:
            return
        hit: set[Path] = set()
        for changes in watch(
            *roots,
            recursive=False,
            debounce=debounce_ms,
            step=step_ms,
            stop_event=stop_event,
            watch_filter=_only(targets),
        ):
            hit = {Path(p).resolve() for _c, p in changes}
            if hit:
                break
        if not hit:
            return
        yield hit
