"""A reused group in the pure engine, the snapshot, the report and the exports (docs/reuse.md)."""

from __future__ import annotations

from simulator.engine.actions import CreateGroup, KillTask
from simulator.engine.events import (
    CancelRequested,
    GroupReused,
    TaskReused,
    TaskScheduling,
    TaskStatusChanged,
    event_from_dict,
    event_to_dict,
)
from simulator.engine.machine import Engine
from simulator.engine.report import build_report
from simulator.engine.snapshot import RunSnapshot, fold
from simulator.engine.status import TaskStatus as TS
from simulator.engine.status import WorkflowStatus as WS
from simulator.runs import export
from tests.engine.plans import make_plan

CHAIN = {"a": ["a1", "a2"], "b": ["b1"]}


def _engine() -> tuple[Engine, RunSnapshot]:
    plan = make_plan(CHAIN, upstream={"b": ["a"]})
    engine = Engine(plan)
    snap = RunSnapshot.from_plan(plan)
    outputs, _ = engine.start(0.0)
    for event in outputs:
        fold(snap, event)
    return engine, snap


def _feed(engine: Engine, snap: RunSnapshot, event: object) -> list[object]:
    outputs, actions = engine.handle(event)  # type: ignore[arg-type]
    fold(snap, event)  # type: ignore[arg-type]
    for output in outputs:
        fold(snap, output)
    return [*outputs, *actions]


def test_a_reused_group_completes_whole_and_starts_downstream() -> None:
    engine, snap = _engine()
    happened = _feed(engine, snap, GroupReused(1.5, "a", "run-7"))
    reused = [e for e in happened if isinstance(e, TaskReused)]
    assert [(e.task, e.source) for e in reused] == [("a1", "run-7"), ("a2", "run-7")]
    assert CreateGroup("b") in happened
    assert not [e for e in happened if isinstance(e, KillTask)]
    assert engine.group_status("a") is TS.COMPLETED
    assert engine.task_status("a1") is TS.COMPLETED and engine.task_status("a2") is TS.COMPLETED
    statuses = [(e.task, e.status) for e in happened if isinstance(e, TaskStatusChanged)]
    assert statuses == [
        ("a1", TS.RUNNING),
        ("a1", TS.COMPLETED),
        ("a2", TS.RUNNING),
        ("a2", TS.COMPLETED),
        ("b1", TS.PROCESSING),
    ]
    assert snap.status is WS.RUNNING and snap.start_time == 1.5
    report = build_report(snap)
    assert report["tasks"]["a1"]["reused_from"] == "run-7"
    assert report["tasks"]["a1"]["exit_code"] == 0
    assert report["tasks"]["a1"]["start_time"] == report["tasks"]["a1"]["end_time"] == 1.5
    assert report["tasks"]["b1"]["reused_from"] is None
    assert report["groups"]["a"]["status"] == "COMPLETED"


def test_a_whole_reused_workflow_finishes_completed() -> None:
    engine, snap = _engine()
    _feed(engine, snap, GroupReused(1.0, "a", "r1"))
    _feed(engine, snap, GroupReused(2.0, "b", "r2"))
    assert engine.finished and engine.status is WS.COMPLETED
    assert snap.finished and snap.status is WS.COMPLETED
    assert {t: s.reused_from for t, s in snap.tasks.items()} == {"a1": "r1", "a2": "r1", "b1": "r2"}


def test_a_group_that_started_or_was_canceled_is_never_reused() -> None:
    engine, snap = _engine()
    _feed(engine, snap, TaskScheduling(0.5, "a2"))  # one task already reported: not whole
    assert _feed(engine, snap, GroupReused(1.0, "a", "r1")) == []
    assert engine.group_status("a") is TS.SCHEDULING

    engine, snap = _engine()
    _feed(engine, snap, CancelRequested(0.5, "workflow", force=True))
    assert _feed(engine, snap, GroupReused(1.0, "a", "r1")) == []
    assert engine.status is WS.FAILED_CANCELED
    assert all(t.reused_from is None for t in snap.tasks.values())


def test_reuse_events_round_trip_and_reach_the_exports() -> None:
    for event in (GroupReused(1.0, "a", "run-1"), TaskReused(1.0, "a1", "run-1")):
        assert event_from_dict(event_to_dict(event)) == event
    assert event_to_dict(TaskReused(1.0, "a1", "run-1")) == {
        "kind": "task_reused",
        "time": 1.0,
        "task": "a1",
        "source": "run-1",
    }
    engine, snap = _engine()
    _feed(engine, snap, GroupReused(1.0, "a", "20261202-150000-wf-1"))
    report = build_report(snap)
    junit = export.to_junit(report)
    assert '<property name="reused_from" value="20261202-150000-wf-1"/>' in junit
    assert junit.count("reused_from") == 2  # a1 and a2, not b1
    assert "reused from 20261202-150000-wf-1" in export.summary_table(report)
    line = export.timeline_line(TaskReused(1.0, "a1", "run-1"))
    assert line is not None and "a1 REUSED from run run-1" in line
