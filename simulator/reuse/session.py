"""`ReuseSession`: one run's reuse of finished groups, the driver's `Reuser` (docs/reuse.md).

At each group's creation it computes the group's key (`keys`), from the spec and what the backend
says about images and inputs. A key found in the store, outside the groups asked to run fresh,
restores the group: outputs through the backend, logs from the store, then the engine completes
it. At the end of the run every group that COMPLETED (each of its tasks COMPLETED) and was not
itself reused is kept under its key, and the store is trimmed to its cap.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from simulator.credentials import load_credentials
from simulator.engine.events import (
    Event,
    GroupStatusChanged,
    TaskLog,
    TaskStatusChanged,
)
from simulator.engine.plan import GroupPlan, Plan
from simulator.engine.port import ReuseHit, Reuser, ReuseSupport
from simulator.engine.status import TaskStatus
from simulator.errors import OsmoTuiError
from simulator.reuse.keys import credential_fingerprint, group_key, reusable_spec, task_material
from simulator.reuse.store import ReuseEntry, ReuseStore


def downstream_closure(plan: Plan, tasks: Iterable[str]) -> frozenset[str]:
    """The groups of `tasks` and every group that depends on them, transitively."""
    stack = [plan.tasks[t].group for t in tasks if t in plan.tasks]
    seen: set[str] = set()
    while stack:
        name = stack.pop()
        if name not in seen:
            seen.add(name)
            stack.extend(plan.groups[name].downstream)
    return frozenset(seen)


@dataclass
class _Result:
    status: TaskStatus = TaskStatus.WAITING
    retry: int = 0
    exit_code: int | None = None
    """None for a task that finished without its command ending (stopped by its lead)."""


@dataclass
class ReuseSession(Reuser):
    plan: Plan
    store: ReuseStore
    support: ReuseSupport
    run_id: Callable[[], str]
    """The run's id in the run store (known once the run is recorded); '' keeps nothing."""
    fresh: frozenset[str] = frozenset()
    """Groups that must run (the app's re-run of a task and what depends on it)."""
    credentials: Mapping[str, Mapping[str, str]] | None = None
    keys: dict[str, str] = field(default_factory=dict)
    """Group -> its key, for every group whose key could be computed."""
    misses: dict[str, str] = field(default_factory=dict)
    """Group -> why it could not be reused (for the docs' and tests' sake)."""
    reused: dict[str, str] = field(default_factory=dict)
    """Group -> the run it was restored from."""
    _logs: dict[tuple[str, int], list[tuple[str, str]]] = field(default_factory=dict)
    _tasks: dict[str, _Result] = field(default_factory=dict)
    _groups: dict[str, TaskStatus] = field(default_factory=dict)

    # --- lookup -----------------------------------------------------------------------------------

    async def lookup(self, group: GroupPlan) -> ReuseHit | None:
        key = await self._key(group)
        if key is None:
            return None
        if group.name in self.fresh:
            self.misses[group.name] = "asked to run fresh"
            return None
        entry = await asyncio.to_thread(self.store.get, key, self.support.place)
        if entry is None:
            self.misses[group.name] = "not in the store"
            return None
        return await self._restore(group, entry)

    async def _key(self, group: GroupPlan) -> str | None:
        if self.credentials is None:
            try:
                self.credentials = load_credentials()
            except OsmoTuiError:
                self.credentials = {}
        material = {}
        for name in group.tasks:
            task = self.plan.tasks[name]
            why = reusable_spec(self.plan, task)
            if why:
                self.misses[group.name] = f"task {name}: {why}"
                return None
            creds = credential_fingerprint(task, self.credentials)
            identity = await self.support.task_identity(name)
            inputs = await self.support.input_digests(name)
            if creds is None or identity is None or inputs is None:
                what = "credentials" if creds is None else "image" if identity is None else "inputs"
                self.misses[group.name] = f"task {name}: its {what} cannot be identified"
                return None
            material[name] = task_material(
                self.plan, task, identity=identity, inputs=inputs, credentials=creds
            )
        key = group_key(self.plan, group, material)
        self.keys[group.name] = key
        return key

    async def _restore(self, group: GroupPlan, entry: ReuseEntry) -> ReuseHit | None:
        logs: list[tuple[str, str, str]] = []
        for name in group.tasks:
            lines = await asyncio.to_thread(self.store.logs, entry.key, name)
            if lines is None:
                self.misses[group.name] = f"the stored logs of {name} are missing"
                return None
            logs.extend((name, stream, line) for stream, line in lines)
        for name in group.tasks:
            if not await self.support.import_outputs(name, entry.key):
                self.misses[group.name] = f"the stored outputs of {name} could not be restored"
                return None
        self.reused[group.name] = entry.source
        return ReuseHit(entry.source, tuple(logs))

    # --- what happened --------------------------------------------------------------------------

    def observe(self, event: Event) -> None:
        if isinstance(event, TaskLog):
            if self.plan.tasks[event.task].group in self.keys:
                self._logs.setdefault((event.task, event.retry), []).append(
                    (event.stream, event.line)
                )
        elif isinstance(event, TaskStatusChanged):
            self._tasks[event.task] = _Result(event.status, event.retry, event.exit_code)
        elif isinstance(event, GroupStatusChanged):
            self._groups[event.group] = event.status

    # --- keeping results ----------------------------------------------------------------------------

    def keepable(self) -> list[str]:
        """Groups that ran here and COMPLETED whole: every task COMPLETED by its own command's
        end (a task its lead stopped is COMPLETED by OSMO's rule, but never finished its work)."""
        out = []
        for name in self.keys:
            if name in self.reused or self._groups.get(name) is not TaskStatus.COMPLETED:
                continue
            tasks = self.plan.groups[name].tasks
            results = [self._tasks.get(t, _Result()) for t in tasks]
            if all(r.status is TaskStatus.COMPLETED and r.exit_code is not None for r in results):
                out.append(name)
        return out

    async def finish(self) -> list[str]:
        run_id = self.run_id()
        keep = self.keepable()
        if not run_id or not keep:
            return []
        warnings = []
        for name in keep:
            problem = await self._keep(name, self.keys[name], run_id)
            if problem:
                warnings.append(f"reuse: group {name} is not kept: {problem}")
        for key in await asyncio.to_thread(self.store.evict, self.support.place):
            await self.support.drop(key)
        return warnings

    async def _keep(self, name: str, key: str, run_id: str) -> str:
        group = self.plan.groups[name]
        await asyncio.to_thread(self.store.begin, key)
        total = 0
        for task in group.tasks:
            size = await self.support.export_outputs(task, key)
            if size is None:
                await asyncio.to_thread(self.store.discard, key)
                return f"the outputs of {task} could not be copied"
            total += size
            retry = self._tasks[task].retry
            lines = self._logs.get((task, retry), [])
            await asyncio.to_thread(self.store.write_logs, key, task, lines)
        entry = ReuseEntry(
            key=key,
            source=run_id,
            workflow=self.plan.workflow,
            group=name,
            tasks=list(group.tasks),
            place=self.support.place,
            bytes=total,
        )
        await asyncio.to_thread(self.store.commit, entry)
        return ""
