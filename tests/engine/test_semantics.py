"""OSMO's execution rules (SPEC §5-§6) and edge cases E36-E52, on plans built directly."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from simulator.engine.events import (
    GroupStatusChanged,
    TaskInitializing,
    TaskLog,
    TaskReady,
    TaskRunning,
    TaskStatusChanged,
    WorkflowStatusChanged,
)
from simulator.engine.plan import ResourceNeeds
from simulator.engine.status import TaskStatus
from tests.engine.helpers import first_time, simulate, statuses, task_changes
from tests.engine.plans import make_plan

GANG = {"g": ["lead", "worker"]}


def gpu_pool(gpus: int = 8, nodes: int = 1) -> SimpleNamespace:
    platform = SimpleNamespace(cpu=64, memory="512Gi", gpus=gpus, nodes=nodes)
    return SimpleNamespace(platforms={"dgx": platform}, default_platform="dgx")


def test_downstream_group_starts_only_after_upstream_completed() -> None:
    plan = make_plan({"a": ["a1"], "b": ["b1"], "c": ["c1"]}, upstream={"c": ["a", "b"]})
    snap, events = simulate(plan, "tasks: {a1: {duration: 5}, b1: {duration: 9}}")
    assert statuses(snap)["workflow"] == "COMPLETED"
    start_c = first_time(events, GroupStatusChanged, "c", "PROCESSING")
    assert start_c == first_time(events, GroupStatusChanged, "b", "COMPLETED") == 9.0
    assert snap.tasks["c1"].end_time == 10.0


def test_e36_lead_finishing_completes_running_worker() -> None:
    snap, _ = simulate(make_plan(GANG), "tasks: {lead: {duration: 5}, worker: {duration: 60}}")
    assert statuses(snap) == {
        "lead": "COMPLETED",
        "worker": "COMPLETED",
        "group:g": "COMPLETED",
        "workflow": "COMPLETED",
    }
    assert snap.tasks["worker"].message == "Lead task finished"
    assert snap.tasks["worker"].exit_code is None
    assert snap.tasks["worker"].end_time == 5.0


def test_e37_failed_worker_ignored_when_ignore_nonlead_true() -> None:
    plan = make_plan({"g": ["lead", "worker"], "down": ["d"]}, upstream={"down": ["g"]})
    scenario = "tasks: {lead: {duration: 30}, worker: {duration: 10, exit_code: 1}}"
    snap, events = simulate(plan, scenario)
    got = statuses(snap)
    assert (got["worker"], got["lead"], got["group:g"]) == ("FAILED", "COMPLETED", "COMPLETED")
    assert got["d"] == "COMPLETED" and got["workflow"] == "COMPLETED"
    assert snap.tasks["worker"].exit_code == 1
    assert first_time(events, GroupStatusChanged, "down", "PROCESSING") == 30.0


def test_e38_failed_worker_fails_group_when_ignore_nonlead_false() -> None:
    plan = make_plan(
        {"g": ["lead", "worker"], "down": ["d"]},
        upstream={"down": ["g"]},
        ignore_nonlead={"g": False},
    )
    snap, _ = simulate(plan, "tasks: {lead: {duration: 30}, worker: {duration: 10, exit_code: 1}}")
    got = statuses(snap)
    assert got["lead"] == "FAILED" and snap.tasks["lead"].message == "Task worker Failed."
    assert snap.tasks["lead"].end_time == 10.0 and snap.tasks["lead"].exit_code is None
    assert got["group:g"] == "FAILED"
    assert got["d"] == "FAILED_UPSTREAM" and snap.tasks["d"].exit_code == 3000
    assert snap.tasks["d"].message == "Upstream task failed."
    assert got["workflow"] == "FAILED"


def test_e39_lead_failure_fails_siblings_and_eviction_names_the_workflow() -> None:
    scenario = "tasks: {lead: {duration: 5, exit_code: 1}, worker: {duration: 60}}"
    snap, _ = simulate(make_plan(GANG), scenario)
    assert statuses(snap)["worker"] == "FAILED"
    assert snap.tasks["worker"].message == "Lead task finished"
    assert statuses(snap)["workflow"] == "FAILED"
    scenario = "tasks: {lead: {duration: 5, status: FAILED_EVICTED}, worker: {duration: 60}}"
    snap, _ = simulate(make_plan(GANG), scenario)
    got = statuses(snap)
    assert (got["lead"], got["worker"]) == ("FAILED_EVICTED", "FAILED")
    assert snap.tasks["lead"].exit_code == 3004
    assert (got["group:g"], got["workflow"]) == ("FAILED_EVICTED", "FAILED_EVICTED")


def test_e40_preempted_worker_poisons_group_even_if_ignored() -> None:
    scenario = "tasks: {lead: {duration: 30}, worker: {duration: 5, status: FAILED_PREEMPTED}}"
    snap, _ = simulate(make_plan(GANG), scenario)
    got = statuses(snap)
    assert got["lead"] == "COMPLETED" and got["worker"] == "FAILED_PREEMPTED"
    assert snap.tasks["worker"].exit_code == 3006
    assert (got["group:g"], got["workflow"]) == ("FAILED_PREEMPTED", "FAILED_PREEMPTED")


def test_server_error_of_a_worker_fails_the_whole_group() -> None:
    scenario = "tasks: {lead: {duration: 30}, worker: {duration: 5, status: FAILED_SERVER_ERROR}}"
    snap, _ = simulate(make_plan(GANG), scenario)
    got = statuses(snap)
    assert got["lead"] == got["worker"] == got["group:g"] == "FAILED_SERVER_ERROR"
    assert got["workflow"] == "FAILED_SERVER_ERROR"


def test_e41_failure_propagates_transitively_and_other_branch_runs() -> None:
    plan = make_plan(
        {"A": ["a"], "B": ["b"], "C": ["c"], "D": ["d"]}, upstream={"B": ["A"], "C": ["B"]}
    )
    snap, _ = simulate(plan, "tasks: {a: {exit_code: 2}, d: {duration: 100}}")
    got = statuses(snap)
    assert (got["a"], got["b"], got["c"], got["d"]) == (
        "FAILED",
        "FAILED_UPSTREAM",
        "FAILED_UPSTREAM",
        "COMPLETED",
    )
    assert got["group:C"] == "FAILED_UPSTREAM" and snap.tasks["c"].exit_code == 3000
    assert got["workflow"] == "FAILED" and snap.end_time == 100.0


E42_ACTIONS = (("COMPLETE", ((0, 10),)), ("RESCHEDULE", ((11, 20),)))


def test_e42_reschedule_is_a_no_op_at_retry_limit_zero() -> None:
    plan = make_plan({"g": ["t"]}, exit_actions={"t": E42_ACTIONS})
    snap, _ = simulate(plan, "tasks: {t: {exit_code: 16}}")
    assert statuses(snap)["t"] == "FAILED"
    assert snap.tasks["t"].message == "No exit action applied due to retry limit 0."
    assert snap.tasks["t"].retries == 0


def test_e42_reschedule_retries_up_to_the_limit() -> None:
    plan = make_plan({"g": ["t"]}, exit_actions={"t": E42_ACTIONS}, max_retry=3)
    snap, events = simulate(plan, "tasks: {t: {exit_code: 16, duration: 10}}")
    changes = task_changes(events, "t")
    finals = [(r, s) for r, s, _ in changes if s in ("RESCHEDULED", "FAILED")]
    assert finals == [(0, "RESCHEDULED"), (1, "RESCHEDULED"), (2, "RESCHEDULED"), (3, "FAILED")]
    assert changes[-1][2] == "No exit action applied due to retry limit 3."
    assert "Exit Action: RESCHEDULE the task for exit code 16." in [m for _, _, m in changes]
    assert snap.tasks["t"].retries == 3 and snap.tasks["t"].end_time == 40.0
    assert (1, "PROCESSING", "") in changes  # a retry is inserted PROCESSING


def test_reschedule_then_success_with_attempts() -> None:
    plan = make_plan({"g": ["t"]}, exit_actions={"t": E42_ACTIONS}, max_retry=3)
    scenario = (
        "tasks: {t: {attempts: [{exit_code: 16, duration: 40}, {exit_code: 0, duration: 80}]}}"
    )
    snap, _ = simulate(plan, scenario)
    assert statuses(snap)["t"] == "COMPLETED" and snap.tasks["t"].retries == 1
    assert snap.end_time == 120.0 and snap.tasks["t"].message == ""


def test_e43_complete_and_fail_actions_override_the_exit() -> None:
    plan = make_plan(
        {"g": ["t"], "h": ["u"]},
        upstream={"h": ["g"]},
        exit_actions={"t": (("COMPLETE", ((16, 16),)),), "u": (("FAIL", ((0, 0),)),)},
    )
    snap, _ = simulate(plan, "tasks: {t: {exit_code: 16}}")
    got = statuses(snap)
    assert got["t"] == "COMPLETED" and snap.tasks["t"].exit_code == 16
    assert snap.tasks["t"].message == "Exit Action: COMPLETE the task for exit code 16."
    assert got["u"] == "FAILED"
    assert snap.tasks["u"].message == "Exit Action: FAIL the task for exit code 0."
    assert got["workflow"] == "FAILED"


def test_pool_default_exit_actions_reschedule_preemption() -> None:
    plan = make_plan(
        {"g": ["t"]}, default_exit_actions=(("RESCHEDULE", ((3006, 3006),)),), max_retry=1
    )
    scenario = "tasks: {t: {attempts: [{status: FAILED_PREEMPTED, duration: 5}, {duration: 5}]}}"
    snap, _ = simulate(plan, scenario)
    assert statuses(snap)["t"] == "COMPLETED" and snap.tasks["t"].retries == 1


def test_e44_lead_reschedule_restarts_siblings_and_keeps_exec_clock() -> None:
    plan = make_plan(
        {"g": ["lead", "w1", "w2"]},
        exit_actions={"lead": (("RESCHEDULE", ((16, 16),)),)},
        max_retry=1,
        exec_timeout=100.0,
        exec_timeout_text="100s",
    )
    scenario = """
tasks:
  lead: {attempts: [{exit_code: 16, duration: 30}, {exit_code: 0, duration: 90}]}
  w1: {duration: 1000}
  w2: {duration: 1000}
"""
    snap, events = simulate(plan, scenario)
    readies = [e.time for e in events if isinstance(e, TaskReady) and e.task == "w1"]
    assert readies == [0.0, 30.0]  # restarted in place: back at the barrier
    runs = [e.time for e in events if isinstance(e, TaskRunning) and e.task == "w1"]
    assert runs == [0.0, 30.0]
    group_changes = [str(e.status) for e in events if isinstance(e, GroupStatusChanged)]
    assert "COMPLETED" not in group_changes[:-1]
    got = statuses(snap)
    # 30 s + 90 s > 100 s from the group's start: the retry does not reset the clock
    assert got["group:g"] == "FAILED_EXEC_TIMEOUT" and snap.groups["g"].end_time == 100.0
    assert snap.tasks["lead"].retries == 1
    assert snap.tasks["lead"].message == "Task ran longer than the set limit of 100s."


def test_nonlead_reschedule_with_ignore_false_restarts_the_others() -> None:
    plan = make_plan(
        {"g": ["lead", "w"]},
        ignore_nonlead={"g": False},
        exit_actions={"w": (("RESCHEDULE", ((5, 5),)),)},
        max_retry=2,
    )
    scenario = "tasks: {lead: {duration: 50}, w: {attempts: [{exit_code: 5, duration: 10}, {duration: 5}]}}"
    snap, events = simulate(plan, scenario)
    lead_runs = [e.time for e in events if isinstance(e, TaskRunning) and e.task == "lead"]
    assert lead_runs == [0.0, 10.0]
    assert statuses(snap)["workflow"] == "COMPLETED" and snap.end_time == 60.0


def test_e45_queue_timeout_while_scheduling() -> None:
    plan = make_plan(
        {"a": ["a1"], "b": ["b1"], "c": ["c1"]},
        upstream={"c": ["a"]},
        queue_timeout=60.0,
        queue_timeout_text="1m",
    )
    snap, _ = simulate(plan, "tasks: {a1: {queue: 120}, b1: {init: 120, duration: 5}}")
    got = statuses(snap)
    assert got["a1"] == got["group:a"] == "FAILED_QUEUE_TIMEOUT"
    assert snap.tasks["a1"].exit_code is None
    assert snap.tasks["a1"].message == "Task stayed in queue longer than the set limit of 1m."
    assert got["c1"] == "FAILED_UPSTREAM"
    assert got["b1"] == "COMPLETED"  # INITIALIZING stops the queue clock
    assert got["workflow"] == "FAILED_QUEUE_TIMEOUT"


def test_queue_timeout_reached_by_capacity() -> None:
    plan = make_plan(
        {"a": ["a1"], "b": ["b1"]},
        resources={"a1": ResourceNeeds(gpu=8), "b1": ResourceNeeds(gpu=8)},
        queue_timeout=100.0,
        queue_timeout_text="100s",
    )
    snap, _ = simulate(plan, "tasks: {a1: {duration: 500}}", pool=gpu_pool())
    got = statuses(snap)
    assert got["a1"] == "COMPLETED" and got["b1"] == "FAILED_QUEUE_TIMEOUT"


def test_capacity_makes_gangs_wait_then_run() -> None:
    plan = make_plan(
        {"a": ["a1", "a2"], "b": ["b1"]},
        resources={n: ResourceNeeds(gpu=4) for n in ("a1", "a2", "b1")},
    )
    snap, events = simulate(plan, "default: {duration: 10}", pool=gpu_pool())
    assert statuses(snap)["workflow"] == "COMPLETED"
    assert snap.tasks["b1"].start_time == 10.0  # the 8 GPUs were held by gang a until t=10
    placed = [e for e in events if isinstance(e, TaskInitializing)]
    assert {e.node for e in placed} == {"dgx-0"}


def test_unschedulable_task_warns() -> None:
    plan = make_plan({"a": ["a1"]}, resources={"a1": ResourceNeeds(gpu=16)}, queue_timeout=5.0)
    snap, _ = simulate(plan, pool=gpu_pool())
    assert statuses(snap)["workflow"] == "FAILED_QUEUE_TIMEOUT"
    assert any("can never be scheduled" in w for w in snap.warnings)


def test_e46_exec_timeout_only_hits_its_group() -> None:
    plan = make_plan({"a": ["a1"], "b": ["b1"]}, exec_timeout=60.0, exec_timeout_text="1m")
    snap, _ = simulate(plan, "tasks: {a1: {duration: 600}, b1: {duration: 30}}")
    got = statuses(snap)
    assert (got["a1"], got["b1"], got["workflow"]) == (
        "FAILED_EXEC_TIMEOUT",
        "COMPLETED",
        "FAILED_EXEC_TIMEOUT",
    )
    assert got["group:a"] == "FAILED_EXEC_TIMEOUT" and snap.end_time == 60.0


def test_e47_cancel_reaches_waiting_groups() -> None:
    plan = make_plan({"a": ["a1", "a2"], "b": ["b1"]}, upstream={"b": ["a"]})
    scenario = "default: {duration: 100}\nevents: [{at: 50, cancel: workflow, message: stop}]"
    snap, _ = simulate(plan, scenario)
    got = statuses(snap)
    assert got["a1"] == got["a2"] == got["b1"] == got["group:b"] == "FAILED_CANCELED"
    assert got["workflow"] == "FAILED_CANCELED"
    assert snap.tasks["a1"].message == "Task was canceled by user: osmo-tui. stop"
    assert snap.tasks["a1"].exit_code is None and snap.end_time == 50.0


def test_e47_cancel_of_finished_workflow_is_refused() -> None:
    from simulator.backends.sim import SimRun
    from simulator.engine.machine import CancelError

    run = SimRun(make_plan({"a": ["a1"]}))
    run.run_to_end()
    with pytest.raises(CancelError, match=r"^Workflow wf-1 is already finished\.$"):
        run.cancel()


def test_cancel_one_group_and_one_task() -> None:
    plan = make_plan({"a": ["a1"], "b": ["b1", "b2"], "c": ["c1"]}, upstream={"c": ["b"]})
    scenario = """
default: {duration: 100}
events: [{at: 10, cancel: a}, {at: 20, cancel: b2}]
"""
    snap, _ = simulate(plan, scenario)
    got = statuses(snap)
    assert got["group:a"] == "FAILED_CANCELED"
    assert got["b2"] == "FAILED_CANCELED" and got["b1"] == "COMPLETED"  # ignoreNonleadStatus
    assert got["group:b"] == "COMPLETED" and got["c1"] == "COMPLETED"
    assert got["workflow"] == "FAILED_CANCELED"


def test_e48_image_pull_failure() -> None:
    scenario = "tasks: {a1: {status: FAILED_IMAGE_PULL, init: 3}}"
    snap, _ = simulate(make_plan({"a": ["a1"]}), scenario)
    got = statuses(snap)
    assert got["a1"] == "FAILED_IMAGE_PULL" and snap.tasks["a1"].exit_code == 302
    assert got["group:a"] == "FAILED" and got["workflow"] == "FAILED"
    assert snap.tasks["a1"].start_time is None  # never ran


def test_e49_initializing_worker_completed_without_running() -> None:
    plan = make_plan(GANG, barrier={"g": False})
    snap, events = simulate(plan, "tasks: {lead: {duration: 5}, worker: {init: 600}}")
    assert statuses(snap)["worker"] == "COMPLETED"
    assert snap.tasks["worker"].message == "Lead task finished"
    assert not [e for e in events if isinstance(e, TaskRunning) and e.task == "worker"]


def test_e50_nonzero_exit_fails_with_its_code() -> None:
    snap, _ = simulate(make_plan({"a": ["a1"]}), "tasks: {a1: {exit_code: 1}}")
    assert statuses(snap)["a1"] == "FAILED" and snap.tasks["a1"].exit_code == 1


def test_e51_osmo_ctrl_exit_code_passes_through() -> None:
    snap, _ = simulate(make_plan({"a": ["a1"]}), "tasks: {a1: {exit_code: 2030}}")
    assert statuses(snap)["a1"] == "FAILED" and snap.tasks["a1"].exit_code == 2030


def test_e52_workflow_never_returns_to_pending() -> None:
    plan = make_plan({"a": ["a1"], "b": ["b1"]}, upstream={"b": ["a"]})
    _, events = simulate(plan, "tasks: {b1: {queue: 50}}")
    changes = [str(e.status) for e in events if isinstance(e, WorkflowStatusChanged)]
    assert changes == ["PENDING", "RUNNING", "COMPLETED"]


def test_barrier_holds_commands_until_every_task_is_ready() -> None:
    _, events = simulate(make_plan(GANG), "tasks: {lead: {init: 10}, worker: {init: 0}}")
    runs = {e.task: e.time for e in events if isinstance(e, TaskRunning)}
    assert runs == {"lead": 10.0, "worker": 10.0}
    _, events = simulate(make_plan(GANG, barrier={"g": False}), "tasks: {lead: {init: 10}}")
    runs = {e.task: e.time for e in events if isinstance(e, TaskRunning)}
    assert runs == {"lead": 10.0, "worker": 0.0}


def test_task_failing_before_the_barrier_does_not_deadlock() -> None:
    plan = make_plan({"g": ["lead", "w1", "w2"]})
    scenario = "tasks: {w1: {status: FAILED_IMAGE_PULL, init: 5}, w2: {init: 1}, lead: {init: 2}}"
    snap, events = simulate(plan, scenario)
    runs = {e.task: e.time for e in events if isinstance(e, TaskRunning)}
    assert runs == {"lead": 5.0, "w2": 5.0}
    assert statuses(snap)["group:g"] == "COMPLETED"


def test_scenario_logs_become_task_log_events() -> None:
    _, events = simulate(make_plan({"a": ["a1"]}), "tasks: {a1: {duration: 30, logs: [x, y]}}")
    logs = [(e.time, e.line) for e in events if isinstance(e, TaskLog)]
    assert logs == [(10.0, "x"), (20.0, "y")]


def test_same_seed_same_events_and_seed_matters_with_jitter() -> None:
    from simulator.backends.scenario import parse_scenario
    from simulator.backends.sim import SimRun
    from simulator.engine.events import event_to_dict

    plan = make_plan({"a": ["a1", "a2"], "b": ["b1"]}, upstream={"b": ["a"]})
    scenario = "jitter: 0.5\ndefault: {duration: 10}"

    def dump(seed: int) -> list[dict[str, object]]:
        run = SimRun(plan, parse_scenario(scenario), seed=seed)
        return [event_to_dict(e) for e in run.run_to_end()]

    assert dump(3) == dump(3)
    assert dump(3) != dump(4)


def test_task_status_changes_are_forward_only() -> None:
    _, events = simulate(make_plan(GANG), "tasks: {lead: {duration: 5}}")
    order = ["WAITING", "PROCESSING", "SCHEDULING", "INITIALIZING", "RUNNING"]
    for task in ("lead", "worker"):
        seen = [
            str(e.status) for e in events if isinstance(e, TaskStatusChanged) and e.task == task
        ]
        alive = [s for s in seen if s in order]
        assert alive == sorted(alive, key=order.index) and len(set(seen)) == len(seen)


def test_start_timeout_after_30_minutes_initializing() -> None:
    snap, _ = simulate(make_plan({"a": ["a1"]}), "tasks: {a1: {init: 7200}}")
    got = statuses(snap)
    assert got["a1"] == "FAILED_START_TIMEOUT" and snap.tasks["a1"].exit_code == 3005
    assert snap.tasks["a1"].end_time == 1800.0
    assert got["group:a"] == "FAILED" and got["workflow"] == "FAILED"


def test_step_contract_for_drivers() -> None:
    """`step()` returns everything due at `next_time`, in order; `cancel()` acts at `now`."""
    from simulator.backends.sim import SimRun

    run = SimRun(make_plan({"a": ["a1", "a2"], "b": ["b1"]}, upstream={"b": ["a"]}))
    run_times: list[float] = []
    while run.next_time is not None and run.next_time < 1.0:
        due = run.next_time
        events = run.step()
        assert events and {e.time for e in events} == {due} and run.now == due
        run_times.append(due)
    assert run_times == [0.0] and not run.finished
    assert run.snapshot.tasks["a1"].status is TaskStatus.RUNNING
    out = run.cancel("group", "a", "enough")
    assert out[0].kind == "cancel_requested" and out[-1].kind == "run_finished"
    assert run.finished and run.next_time is None and run.step() == []
    assert str(run.snapshot.status) == "FAILED_CANCELED"
    assert run.snapshot.tasks["b1"].status is TaskStatus.FAILED_UPSTREAM


def test_nonlead_reschedule_with_ignore_true_retries_only_that_task() -> None:
    plan = make_plan(
        {"g": ["lead", "w"]}, exit_actions={"w": (("RESCHEDULE", ((5, 5),)),)}, max_retry=2
    )
    scenario = "tasks: {lead: {duration: 50}, w: {attempts: [{exit_code: 5, duration: 10}, {duration: 5}]}}"
    snap, events = simulate(plan, scenario)
    lead_runs = [e.time for e in events if isinstance(e, TaskRunning) and e.task == "lead"]
    w_runs = [(e.retry, e.time) for e in events if isinstance(e, TaskRunning) and e.task == "w"]
    assert lead_runs == [0.0]  # not restarted
    assert w_runs == [(0, 0.0), (1, 10.0)]  # the retry passes the barrier the others left open
    assert snap.tasks["w"].retries == 1 and statuses(snap)["w"] == "COMPLETED"
    assert statuses(snap)["workflow"] == "COMPLETED" and snap.end_time == 50.0


def test_cancel_at_a_virtual_time_between_events() -> None:
    """A player shows time moving between events: a cancel lands at the time shown, never past
    the next event (which would skip it) and never before the last one."""
    from simulator.backends.sim import SimRun

    plan = make_plan({"a": ["a1"], "b": ["b1"]}, upstream={"b": ["a"]})
    run = SimRun(plan)
    while run.next_time is not None and run.next_time < 1.0:
        run.step()
    assert run.now == 0.0 and run.next_time is not None
    next_event = run.next_time
    out = run.cancel(at=0.4)
    assert out[0].kind == "cancel_requested" and out[0].time == 0.4
    assert run.snapshot.end_time == 0.4
    assert run.snapshot.tasks["a1"].end_time == 0.4

    late = SimRun(plan)
    late.step()
    bound = late.next_time
    assert bound is not None
    assert late.cancel(at=bound + 100.0)[0].time == bound == next_event

    early = SimRun(plan)
    early.step()
    assert early.cancel(at=-5.0)[0].time == early.now == 0.0
