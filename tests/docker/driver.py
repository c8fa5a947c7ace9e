"""Run a workflow on DockerBackend for tests: a minimal asyncio loop over the pure engine (the
same actions and reports RealtimeRun uses), until the engine's RealtimeRun is used directly."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulator.backends.docker import DockerBackend
from simulator.backends.docker.container import hostname_of
from simulator.engine import actions as A
from simulator.engine.events import (
    CancelRequested,
    Event,
    RunFinished,
    TaskLog,
    TaskStatusChanged,
    TimerFired,
)
from simulator.engine.plan import GroupPlan, Plan, ResourceNeeds, TaskPlan
from simulator.spec.units import parse_duration, parse_quantity


def plan_for(path: Path, workflow_id: str = "wf-1", **load: Any) -> Plan:
    """A plan from a workflow file (plan_from_spec when it exists, else built here)."""
    from simulator.spec.loader import load_workflow

    loaded = load_workflow(path, **load)
    try:
        from simulator.engine.from_spec import plan_from_spec
    except ImportError:
        return _plan(loaded, workflow_id)
    return plan_from_spec(loaded, workflow_id=workflow_id)


def _plan(loaded: Any, workflow_id: str) -> Plan:
    from simulator.spec.tokens import substitute_tokens

    spec = loaded.spec
    owner = {t.name: g.name for g in spec.groups for t in g.tasks}
    upstream: dict[str, list[str]] = {g.name: [] for g in spec.groups}
    tasks: dict[str, TaskPlan] = {}
    for group in spec.groups:
        for task in group.tasks:
            deps = [i.task for i in task.inputs if hasattr(i, "task") and ":" not in i.task]
            for dep in deps:
                if owner[dep] not in upstream[group.name] and owner[dep] != group.name:
                    upstream[group.name].append(owner[dep])
            res = spec.resources.get(task.resource)
            needs = ResourceNeeds(
                cpu=res.cpu if res else None,
                gpu=(res.gpu or 0) if res else 0,
                memory=parse_quantity(res.memory) if res and res.memory else None,
                storage=parse_quantity(res.storage) if res and res.storage else None,
                platform=res.platform if res else None,
            )
            new, _ = substitute_tokens(
                task, group=group, workflow_id=workflow_id, host_of=hostname_of
            )
            tasks[task.name] = TaskPlan(
                task.name, group.name, task.lead, needs, task.resource, (), tuple(deps), new
            )
    groups = {}
    for group in spec.groups:
        down = tuple(g for g, ups in upstream.items() if group.name in ups)
        lead = next(t.name for t in group.tasks if t.lead)
        barrier = group.barrier and len(group.tasks) > 1
        groups[group.name] = GroupPlan(
            group.name,
            tuple(t.name for t in group.tasks),
            lead,
            barrier,
            group.ignoreNonleadStatus,
            tuple(upstream[group.name]),
            down,
        )
    timeout = spec.timeout
    day60 = 60 * 86400.0
    exec_t = parse_duration(timeout.exec_timeout) if timeout and timeout.exec_timeout else day60
    queue_t = parse_duration(timeout.queue_timeout) if timeout and timeout.queue_timeout else day60
    return Plan(
        spec.name,
        workflow_id,
        groups,
        tasks,
        exec_t,
        queue_t,
        exec_timeout_text=str(timeout.exec_timeout) if timeout else "60d",
        queue_timeout_text=str(timeout.queue_timeout) if timeout else "60d",
    )


@dataclass
class Result:
    events: list[Event] = field(default_factory=list)
    run_dir: Path = Path("/nonexistent")

    def final(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for e in self.events:
            if isinstance(e, TaskStatusChanged):
                out[e.task] = (e.status.value, e.exit_code, e.message)
        return out

    @property
    def status(self) -> str:
        return next(e.status.value for e in reversed(self.events) if isinstance(e, RunFinished))

    def logs(self, task: str) -> list[str]:
        return [e.line for e in self.events if isinstance(e, TaskLog) and e.task == task]


async def run(
    plan: Plan,
    backend: DockerBackend,
    run_dir: Path,
    *,
    cancel_after: float | None = None,
    on_event: Any = None,
) -> Result:
    """Drive `plan` to its end on `backend` (always closed)."""
    from simulator.engine.machine import Engine

    assert run_dir.is_absolute(), run_dir
    engine = Engine(plan)
    queue: asyncio.Queue[Any] = asyncio.Queue()
    result = Result()
    loop = asyncio.get_running_loop()
    t0 = time.monotonic()
    backend._clock = lambda: time.monotonic() - t0
    timers: dict[str, asyncio.TimerHandle] = {}

    def fire(key: str) -> None:
        queue.put_nowait(TimerFired(time.monotonic() - t0, key))

    async def act(action: Any) -> None:
        match action:
            case A.CreateGroup(group=g):
                retries = {t: engine.task_retry(t) for t in plan.groups[g].tasks}
                await backend.start_group(plan.groups[g], retries)
            case A.CreateAttempt(task=t, retry=r):
                await backend.start_attempt(t, r)
            case A.ReleaseBarrier(task=t, retry=r):
                await backend.release(t, r)
            case A.KillTask(task=t, retry=r, reason=why):
                await backend.kill(t, r, why)
            case A.RestartTask(task=t, retry=r):
                await backend.restart(t, r)
            case A.CleanupGroup(group=g):
                await backend.cleanup_group(g)
            case A.ArmTimer(key=k, at=at):
                delay = max(0.0, at - (time.monotonic() - t0))
                timers[k] = loop.call_later(delay, fire, k)
            case A.CancelTimer(key=k):
                if k in timers:
                    timers.pop(k).cancel()

    async def apply(outputs: list[Any], acts: list[Any]) -> bool:
        done = False
        for out in outputs:
            result.events.append(out)
            if on_event:
                on_event(out)
            done = done or isinstance(out, RunFinished)
        for a in acts:
            await act(a)
        return done

    def cancel() -> None:
        queue.put_nowait(CancelRequested(time.monotonic() - t0, "workflow", "", "test cancel"))

    try:
        await backend.prepare(plan, run_dir, queue.put_nowait)
        if cancel_after is not None:
            loop.call_later(cancel_after, cancel)
        done = await apply(*engine.start(0.0))
        while not done:
            event = await asyncio.wait_for(queue.get(), timeout=120)
            result.events.append(event)
            if on_event:
                on_event(event)
            done = await apply(*engine.handle(event))
    finally:
        for handle in timers.values():
            handle.cancel()
        await backend.close()
    return result
