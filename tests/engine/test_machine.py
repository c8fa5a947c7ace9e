"""The pure engine driven by hand: actions out, stale reports dropped, aggregation precedence."""

from __future__ import annotations

from simulator.engine import rules
from simulator.engine.actions import ArmTimer, CleanupGroup, CreateGroup, KillTask, ReleaseBarrier
from simulator.engine.events import (
    CancelRequested,
    TaskExited,
    TaskInitializing,
    TaskReady,
    TaskScheduling,
    TimerFired,
)
from simulator.engine.machine import Engine
from simulator.engine.status import TaskStatus as TS
from simulator.engine.status import WorkflowStatus as WS
from tests.engine.plans import make_plan


def test_start_creates_root_groups_as_gangs() -> None:
    engine = Engine(make_plan({"a": ["a1", "a2"], "b": ["b1"]}, upstream={"b": ["a"]}))
    outputs, actions = engine.start(0.0)
    assert actions == [CreateGroup("a")]
    assert engine.group_status("a") is TS.PROCESSING and engine.group_status("b") is TS.WAITING
    assert [str(getattr(o, "status", "")) for o in outputs] == [
        "PENDING",
        "PROCESSING",
        "PROCESSING",
        "PROCESSING",
    ]


def test_barrier_releases_all_at_once_and_lead_end_kills_and_cleans_up() -> None:
    engine = Engine(make_plan({"g": ["l", "w"]}))
    engine.start(0.0)
    for t in ("l", "w"):
        engine.handle(TaskScheduling(0.0, t))
        engine.handle(TaskInitializing(0.0, t))
    _, actions = engine.handle(TaskReady(1.0, "l"))
    assert not [a for a in actions if isinstance(a, ReleaseBarrier)]
    _, actions = engine.handle(TaskReady(2.0, "w"))
    assert [a for a in actions if isinstance(a, ReleaseBarrier)] == [
        ReleaseBarrier("l", 0),
        ReleaseBarrier("w", 0),
    ]
    _, actions = engine.handle(TaskExited(3.0, "l", 0, 0))
    assert KillTask("w", 0, "Lead task finished") in actions and CleanupGroup("g") in actions
    assert engine.finished and engine.status is WS.COMPLETED


def test_stale_and_duplicate_reports_are_dropped() -> None:
    engine = Engine(make_plan({"g": ["t"]}))
    engine.start(0.0)
    engine.handle(TaskReady(0.0, "t"))
    outputs, _ = engine.handle(TaskExited(1.0, "t", 7, 0))  # unknown retry
    assert outputs == [] and engine.task_status("t") is TS.RUNNING
    engine.handle(TaskExited(2.0, "t", 0, 0))
    outputs, actions = engine.handle(TaskExited(3.0, "t", 0, 1))
    assert outputs == [] and actions == [] and engine.task_status("t") is TS.COMPLETED


def test_cancel_of_a_processing_group_waits_a_minute_unless_forced() -> None:
    engine = Engine(make_plan({"g": ["t"]}))
    engine.start(0.0)
    _, actions = engine.handle(CancelRequested(5.0, user="ann"))
    assert actions == [ArmTimer("cancel:g", 65.0)] and engine.group_status("g") is TS.PROCESSING
    engine.handle(TaskScheduling(10.0, "t"))
    outputs, _ = engine.handle(TimerFired(65.0, "cancel:g"))
    assert engine.task_status("t") is TS.FAILED_CANCELED
    assert engine.status is WS.FAILED_CANCELED
    messages = {getattr(o, "message", "") for o in outputs}
    assert "Task was canceled by user: ann." in messages
    forced = Engine(make_plan({"g": ["t"]}))
    forced.start(0.0)
    forced.handle(CancelRequested(5.0, force=True))
    assert forced.status is WS.FAILED_CANCELED


def test_group_aggregation_examples_of_spec_6_4() -> None:
    c, f = TS.COMPLETED, TS.FAILED
    agg = rules.aggregate_finished_group
    assert agg([c, f], [c]) is c  # ignoreNonleadStatus: true
    assert agg([c, TS.FAILED_PREEMPTED], [c]) is TS.FAILED_PREEMPTED
    assert agg([c, TS.FAILED_EVICTED], [c]) is c
    assert agg([c, TS.FAILED_SERVER_ERROR], [c]) is TS.FAILED_SERVER_ERROR
    assert agg([c, TS.FAILED_CANCELED], [c]) is c
    assert agg([c, f], [c, f]) is f
    assert agg([TS.FAILED_IMAGE_PULL], [TS.FAILED_IMAGE_PULL]) is f


def test_workflow_precedence_of_spec_6_5() -> None:
    agg = rules.aggregate_finished_workflow
    assert agg([TS.FAILED_EXEC_TIMEOUT, TS.FAILED_CANCELED]) is WS.FAILED_CANCELED
    assert agg([TS.FAILED_EXEC_TIMEOUT, TS.FAILED_SERVER_ERROR]) is WS.FAILED_SERVER_ERROR
    assert agg([TS.FAILED_QUEUE_TIMEOUT, TS.FAILED_EXEC_TIMEOUT]) is WS.FAILED_EXEC_TIMEOUT
    assert agg([TS.FAILED_PREEMPTED, TS.FAILED_UPSTREAM, TS.COMPLETED]) is WS.FAILED_PREEMPTED
    assert agg([TS.FAILED_PREEMPTED, TS.FAILED_EVICTED]) is WS.FAILED
    assert agg([TS.FAILED_UPSTREAM]) is WS.FAILED
    assert agg([TS.COMPLETED, TS.COMPLETED]) is WS.COMPLETED


def test_exit_action_lookup_order_and_reversed_ranges() -> None:
    actions = (("COMPLETE", ((10, 1), (3, 3))), ("FAIL", ((0, 5),)))
    assert rules.find_exit_action(actions, 3) == "COMPLETE"
    assert rules.find_exit_action(actions, 4) == "FAIL"
    assert rules.find_exit_action(actions, 7) is None


def test_cancel_of_a_task_whose_group_has_not_started_is_refused() -> None:
    import pytest

    from simulator.engine.machine import CancelError

    engine = Engine(make_plan({"a": ["a1"], "b": ["b1"]}, upstream={"b": ["a"]}))
    engine.start(0.0)
    with pytest.raises(CancelError, match="Task b1 has not started yet: cancel its group b"):
        engine.handle(CancelRequested(1.0, "task", "b1"))
    assert engine.group_status("b") is TS.WAITING


def test_a_plan_without_groups_finishes_at_once() -> None:
    from simulator.engine.plan import Plan

    engine = Engine(Plan("empty", "empty-1", {}, {}))
    outputs, actions = engine.start(0.0)
    assert engine.finished and engine.status is WS.COMPLETED and actions == []
    assert [o.kind for o in outputs] == ["workflow_status", "workflow_status", "run_finished"]
