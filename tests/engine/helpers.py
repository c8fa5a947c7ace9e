"""Run a plan through the simulator and look at the result."""

from __future__ import annotations

from simulator.backends.scenario import parse_scenario
from simulator.backends.sim import SimRun
from simulator.engine.events import Event, GroupStatusChanged, TaskStatusChanged
from simulator.engine.plan import Plan
from simulator.engine.snapshot import RunSnapshot


def simulate(
    plan: Plan, scenario: str = "", pool: object = None
) -> tuple[RunSnapshot, list[Event]]:
    run = SimRun(plan, parse_scenario(scenario) if scenario else None, pool=pool)
    events = run.run_to_end()
    return run.snapshot, events


def statuses(snap: RunSnapshot) -> dict[str, str]:
    """`{task: STATUS, "group:<g>": STATUS, "workflow": STATUS}` for compact assertions."""
    out = {name: str(t.status) for name, t in snap.tasks.items()}
    out.update({f"group:{name}": str(g.status) for name, g in snap.groups.items()})
    out["workflow"] = str(snap.status)
    return out


def first_time(events: list[Event], kind: type, name: str, status: str) -> float:
    for e in events:
        if isinstance(e, kind):
            who = e.group if isinstance(e, GroupStatusChanged) else getattr(e, "task", "")
            if who == name and str(getattr(e, "status", "")) == status:
                return float(e.time)
    raise AssertionError(f"{name} never became {status}")


def task_changes(events: list[Event], task: str) -> list[tuple[int, str, str]]:
    return [
        (e.retry, str(e.status), e.message)
        for e in events
        if isinstance(e, TaskStatusChanged) and e.task == task
    ]
