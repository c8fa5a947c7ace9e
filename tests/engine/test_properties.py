"""Property tests over random DAGs, group shapes and outcomes (hypothesis)."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.backends.scenario import Scenario
from simulator.backends.sim import SimRun
from simulator.engine import rules
from simulator.engine.events import GroupStatusChanged, TaskStatusChanged, event_to_dict
from simulator.engine.plan import Plan
from simulator.engine.status import TaskStatus
from tests.engine.plans import make_plan

ORDER = {
    s: i for i, s in enumerate(["WAITING", "PROCESSING", "SCHEDULING", "INITIALIZING", "RUNNING"])
}


@st.composite
def runs(draw: st.DrawFn) -> tuple[Plan, Scenario]:
    n_groups = draw(st.integers(1, 7))
    groups: dict[str, list[str]] = {}
    upstream: dict[str, list[str]] = {}
    ignore: dict[str, bool] = {}
    barrier: dict[str, bool] = {}
    actions: dict[str, Any] = {}
    tasks: dict[str, dict[str, Any]] = {}
    for g in range(n_groups):
        name = f"g{g}"
        groups[name] = [f"t{g}_{i}" for i in range(draw(st.integers(1, 3)))]
        if g:
            upstream[name] = sorted(
                set(draw(st.lists(st.sampled_from([f"g{u}" for u in range(g)]), max_size=2)))
            )
        ignore[name] = draw(st.booleans())
        barrier[name] = draw(st.booleans())
        for task in groups[name]:
            if draw(st.integers(0, 3)) == 0:
                actions[task] = (("RESCHEDULE", ((16, 16),)), ("COMPLETE", ((5, 5),)))
            outcome: dict[str, Any] = {
                "duration": draw(st.integers(0, 30)),
                "init": draw(st.integers(0, 4)),
                "queue": draw(st.integers(0, 4)),
            }
            kind = draw(st.sampled_from(["ok", "ok", "fail", "16", "5", "preempt", "pull"]))
            if kind == "fail":
                outcome["exit_code"] = 1
            elif kind in ("16", "5"):
                outcome["exit_code"] = int(kind)
            elif kind == "preempt":
                outcome["status"] = "FAILED_PREEMPTED"
            elif kind == "pull":
                outcome["status"] = "FAILED_IMAGE_PULL"
            tasks[task] = outcome
    events = []
    if draw(st.booleans()) and draw(st.booleans()):
        target = draw(
            st.sampled_from(["workflow", *groups, *[t for ts in groups.values() for t in ts]])
        )
        events.append({"at": draw(st.integers(0, 60)), "cancel": target})
    plan = make_plan(
        groups,
        upstream=upstream,
        ignore_nonlead=ignore,
        barrier=barrier,
        exit_actions=actions,
        max_retry=draw(st.integers(0, 2)),
        exec_timeout=float(draw(st.sampled_from([25, 60, 5_184_000]))),
        queue_timeout=float(draw(st.sampled_from([3, 5_184_000]))),
        default_exit_actions=(("RESCHEDULE", ((3006, 3006),)),) if draw(st.booleans()) else (),
    )
    scenario = Scenario.model_validate({"tasks": tasks, "events": events, "jitter": 0.3})
    return plan, scenario


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(runs(), st.integers(0, 3))
def test_every_run_ends_with_every_task_and_group_terminal(
    case: tuple[Plan, Scenario], seed: int
) -> None:
    plan, scenario = case
    run = SimRun(plan, scenario, seed=seed)
    run.run_to_end()
    snap = run.snapshot
    assert run.finished and snap.finished and snap.status.finished
    assert all(
        t.status.finished and t.status is not TaskStatus.RESCHEDULED for t in snap.tasks.values()
    )
    assert all(g.status.group_finished for g in snap.groups.values())
    expected = rules.aggregate_finished_workflow(g.status for g in snap.groups.values())
    assert snap.status is expected


@SETTINGS
@given(runs())
def test_no_group_starts_before_its_upstream_completed(case: tuple[Plan, Scenario]) -> None:
    plan, scenario = case
    completed: set[str] = set()
    for event in SimRun(plan, scenario).run_to_end():
        if isinstance(event, GroupStatusChanged):
            if event.status is TaskStatus.PROCESSING:
                assert set(plan.groups[event.group].upstream) <= completed
            if event.status is TaskStatus.COMPLETED:
                completed.add(event.group)


@SETTINGS
@given(runs())
def test_completed_workflow_has_every_lead_completed(case: tuple[Plan, Scenario]) -> None:
    plan, scenario = case
    run = SimRun(plan, scenario)
    run.run_to_end()
    snap = run.snapshot
    if str(snap.status) == "COMPLETED":
        for group in plan.groups.values():
            assert snap.tasks[group.lead].status is TaskStatus.COMPLETED


@SETTINGS
@given(runs())
def test_task_attempts_move_forward_only(case: tuple[Plan, Scenario]) -> None:
    plan, scenario = case
    last: dict[tuple[str, int], str] = {}
    for event in SimRun(plan, scenario).run_to_end():
        if isinstance(event, TaskStatusChanged):
            key = (event.task, event.retry)
            before = last.get(key, "WAITING")
            assert before in ORDER, f"{key} changed after finishing ({before} -> {event.status})"
            if str(event.status) in ORDER:
                assert ORDER[str(event.status)] > ORDER[before]
            last[key] = str(event.status)


@settings(max_examples=40, deadline=None)
@given(runs(), st.integers(0, 1000))
def test_same_seed_same_stream(case: tuple[Plan, Scenario], seed: int) -> None:
    plan, scenario = case
    first = [event_to_dict(e) for e in SimRun(plan, scenario, seed=seed).run_to_end()]
    second = [event_to_dict(e) for e in SimRun(plan, scenario, seed=seed).run_to_end()]
    assert first == second
