"""Run a workflow on DockerBackend for tests through the product's own path: the spec loader,
`plan_from_spec`, `RealtimeRun` and a run-store recorder (events.jsonl, per-task logs)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulator.engine.events import Event, RunFinished, TaskLog, TaskStatusChanged
from simulator.engine.plan import Plan


def plan_for(path: Path, workflow_id: str = "wf-1", **load: Any) -> Plan:
    """The plan `osmo-tui run` would execute for a workflow file."""
    from simulator.engine.from_spec import plan_from_spec
    from simulator.spec.loader import load_workflow

    return plan_from_spec(load_workflow(path, **load), workflow_id=workflow_id)


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
        """The task's own output (the backend's `[osmo]` lines left out)."""
        return [
            e.line
            for e in self.events
            if isinstance(e, TaskLog) and e.task == task and e.stream != "osmo"
        ]


async def run(
    plan: Plan,
    backend: Any,
    runs_root: Path,
    *,
    cancel_after: float | None = None,
    force: bool = False,
    on_event: Any = None,
) -> Result:
    """Drive `plan` to its end on `backend` with RealtimeRun, recorded under `runs_root`."""
    import asyncio

    from simulator.engine.realtime import RealtimeRun
    from simulator.runs import RunStore

    assert runs_root.is_absolute(), runs_root
    recorder = RunStore(runs_root).create(plan, backend="docker", spec="", track=False)
    result = Result(run_dir=recorder.path)
    live = RealtimeRun(plan, backend, run_dir=recorder.path)

    def record(event: Event) -> None:
        result.events.append(event)
        recorder.record(event)
        if on_event is not None:
            on_event(event, live)

    if cancel_after is not None:
        asyncio.get_running_loop().call_later(
            cancel_after, live.cancel, "workflow", "", "test cancel", force
        )
    try:
        await asyncio.wait_for(live.run(record), timeout=300)
    finally:
        recorder.close()
    return result
