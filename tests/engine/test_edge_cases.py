"""SPEC §14 E36-E52 as YAML workflows (through the real spec loader) + scenario + expected outcome."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from simulator.backends.scenario import parse_scenario
from simulator.backends.sim import SimRun
from simulator.engine.events import WorkflowStatusChanged
from simulator.engine.from_spec import plan_from_spec
from simulator.engine.report import build_report
from simulator.pool.config import load_pool
from simulator.spec.loader import load_workflow
from tests.backends.contract import check


def task(name: str, script: str, extra: str = "") -> str:
    return f"""
    - name: {name}
      image: ubuntu:24.04
      command: [sh, -c, "{script}"]""" + "".join(f"\n      {line}" for line in extra.splitlines())


def workflow(groups: dict[str, tuple[str, str]], head: str = "") -> str:
    """groups: name -> (group options, tasks)."""
    text = f"workflow:\n  name: edge\n{head}  groups:"
    for name, (options, tasks) in groups.items():
        text += f"\n  - name: {name}" + "".join(f"\n    {o}" for o in options.splitlines())
        text += "\n    tasks:" + textwrap.indent(textwrap.dedent(tasks), "    ")
    return text + "\n"


LEAD_WORKER = task("lead", "sleep 5", "lead: true") + task("worker", "sleep 60")


@dataclass(frozen=True)
class Edge:
    id: str
    workflow: str
    expect: dict[str, Any]
    scenario: str = ""
    pool: dict[str, Any] = field(default_factory=dict)


EDGES = [
    Edge(
        "E36-lead-ends-group",
        workflow({"g": ("", LEAD_WORKER)}),
        {
            "workflow": "COMPLETED",
            "groups": {"g": "COMPLETED"},
            "tasks": {
                "worker": {"status": "COMPLETED", "message": "Lead task finished", "end_time": 5.0}
            },
        },
    ),
    Edge(
        "E37-ignored-worker-failure",
        workflow(
            {
                "g": ("", task("lead", "sleep 30", "lead: true") + task("w", "sleep 10; exit 1")),
                "down": ("", task("d", "sleep 1", "inputs: [{task: lead}]")),
            }
        ),
        {
            "workflow": "COMPLETED",
            "groups": {"g": "COMPLETED", "down": "COMPLETED"},
            "tasks": {"w": {"status": "FAILED", "exit_code": 1}, "lead": {"status": "COMPLETED"}},
        },
    ),
    Edge(
        "E38-strict-worker-failure",
        workflow(
            {
                "g": (
                    "ignoreNonleadStatus: false",
                    task("lead", "sleep 30", "lead: true") + task("w", "sleep 10; exit 1"),
                ),
                "down": ("", task("d", "sleep 1", "inputs: [{task: lead}]")),
            }
        ),
        {
            "workflow": "FAILED",
            "groups": {"g": "FAILED", "down": "FAILED_UPSTREAM"},
            "tasks": {
                "lead": {"status": "FAILED", "message": "Task w Failed.", "end_time": 10.0},
                "d": {"status": "FAILED_UPSTREAM", "exit_code": 3000},
            },
        },
    ),
    Edge(
        "E39-lead-fails",
        workflow(
            {"g": ("", task("lead", "sleep 5; exit 1", "lead: true") + task("w", "sleep 60"))}
        ),
        {
            "workflow": "FAILED",
            "groups": {"g": "FAILED"},
            "tasks": {"w": {"status": "FAILED", "message": "Lead task finished"}},
        },
    ),
    Edge(
        "E39-lead-oom-killed",
        workflow({"g": ("", LEAD_WORKER)}),
        {
            "workflow": "FAILED_EVICTED",
            "groups": {"g": "FAILED_EVICTED"},
            "tasks": {
                "lead": {"status": "FAILED_EVICTED", "exit_code": 3004},
                "worker": {"status": "FAILED"},
            },
        },
        scenario="tasks: {lead: {status: FAILED_EVICTED, message: OOMKilled}}",
    ),
    Edge(
        "E40-preempted-worker",
        workflow({"g": ("", task("lead", "sleep 30", "lead: true") + task("w", "sleep 60"))}),
        {
            "workflow": "FAILED_PREEMPTED",
            "groups": {"g": "FAILED_PREEMPTED"},
            "tasks": {"lead": {"status": "COMPLETED"}, "w": {"status": "FAILED_PREEMPTED"}},
        },
        scenario="tasks: {w: {duration: 5, status: FAILED_PREEMPTED}}",
    ),
    Edge(
        "E41-upstream-failure-and-independent-branch",
        workflow(
            {
                "ga": ("", task("a", "sleep 1; exit 1")),
                "gb": ("", task("b", "sleep 1", "inputs: [{task: a}]")),
                "gc": ("", task("c", "sleep 1", "inputs: [{task: b}]")),
                "gd": ("", task("d", "sleep 100")),
            }
        ),
        {
            "workflow": "FAILED",
            "groups": {"gb": "FAILED_UPSTREAM", "gc": "FAILED_UPSTREAM", "gd": "COMPLETED"},
            "tasks": {
                "c": {
                    "status": "FAILED_UPSTREAM",
                    "exit_code": 3000,
                    "message": "Upstream task failed.",
                }
            },
        },
    ),
    Edge(
        "E42-reschedule-at-default-limit",
        workflow(
            {"g": ("", task("t", "exit 16", "exitActions: {COMPLETE: 0-10, RESCHEDULE: 11-20}"))}
        ),
        {
            "workflow": "FAILED",
            "tasks": {
                "t": {
                    "status": "FAILED",
                    "retries": 0,
                    "message": "No exit action applied due to retry limit 0.",
                }
            },
        },
    ),
    Edge(
        "E42-reschedule-up-to-three",
        workflow(
            {"g": ("", task("t", "exit 16", "exitActions: {COMPLETE: 0-10, RESCHEDULE: 11-20}"))}
        ),
        {"workflow": "FAILED", "tasks": {"t": {"status": "FAILED", "retries": 3}}},
        pool={"max_retry_per_task": 3},
    ),
    Edge(
        "E43-complete-16-starts-downstream",
        workflow(
            {
                "g": ("", task("t", "exit 16", "exitActions: {COMPLETE: '16'}")),
                "h": ("", task("u", "exit 0", "inputs: [{task: t}]")),
            }
        ),
        {"workflow": "COMPLETED", "tasks": {"t": {"exit_code": 16}, "u": {"status": "COMPLETED"}}},
    ),
    Edge(
        "E43-fail-0",
        workflow({"g": ("", task("t", "exit 0", "exitActions: {FAIL: '0'}"))}),
        {"workflow": "FAILED", "tasks": {"t": {"status": "FAILED", "exit_code": 0}}},
    ),
    Edge(
        "E44-lead-rescheduled-restarts-others",
        workflow(
            {
                "g": (
                    "",
                    task("lead", "sleep 30", "lead: true\nexitActions: {RESCHEDULE: '16'}")
                    + task("w1", "sleep 1000")
                    + task("w2", "sleep 1000"),
                )
            }
        ),
        {
            "workflow": "COMPLETED",
            "groups": {"g": "COMPLETED"},
            "tasks": {
                "lead": {"status": "COMPLETED", "retries": 1, "end_time": 40.0},
                "w1": {"status": "COMPLETED", "message": "Lead task finished"},
            },
        },
        scenario="tasks: {lead: {attempts: [{exit_code: 16, duration: 30}, {duration: 10}]}}",
        pool={"max_retry_per_task": 1},
    ),
    Edge(
        "E45-queue-timeout",
        workflow(
            {
                "stuck": ("", task("s", "sleep 1")),
                "pulling": ("", task("p", "sleep 1")),
                "after": ("", task("a", "sleep 1", "inputs: [{task: s}]")),
            },
            head="  timeout: {queue_timeout: 1m}\n",
        ),
        {
            "workflow": "FAILED_QUEUE_TIMEOUT",
            "groups": {
                "stuck": "FAILED_QUEUE_TIMEOUT",
                "pulling": "COMPLETED",
                "after": "FAILED_UPSTREAM",
            },
            "tasks": {
                "s": {
                    "exit_code": None,
                    "message": "Task stayed in queue longer than the set limit of 1m.",
                }
            },
        },
        scenario="tasks: {s: {queue: 120}, p: {init: 120}}",
    ),
    Edge(
        "E46-exec-timeout-of-one-group",
        workflow(
            {"slow": ("", task("s", "sleep 600")), "fast": ("", task("f", "sleep 30"))},
            head="  timeout: {exec_timeout: 1m}\n",
        ),
        {
            "workflow": "FAILED_EXEC_TIMEOUT",
            "groups": {"slow": "FAILED_EXEC_TIMEOUT", "fast": "COMPLETED"},
            "tasks": {
                "s": {"message": "Task ran longer than the set limit of 1m.", "end_time": 60.0}
            },
        },
    ),
    Edge(
        "E47-cancel-reaches-waiting-groups",
        workflow(
            {
                "first": ("", task("a", "sleep 100")),
                "second": ("", task("b", "sleep 1", "inputs: [{task: a}]")),
            }
        ),
        {
            "workflow": "FAILED_CANCELED",
            "groups": {"first": "FAILED_CANCELED", "second": "FAILED_CANCELED"},
            "tasks": {"a": {"exit_code": None, "end_time": 10.0}},
        },
        scenario="events: [{at: 10, cancel: workflow}]",
    ),
    Edge(
        "E48-image-pull",
        workflow({"g": ("", task("t", "sleep 1"))}),
        {
            "workflow": "FAILED",
            "groups": {"g": "FAILED"},
            "tasks": {"t": {"status": "FAILED_IMAGE_PULL", "exit_code": 302, "start_time": None}},
        },
        scenario="tasks: {t: {status: FAILED_IMAGE_PULL, init: 20}}",
    ),
    Edge(
        "E49-initializing-worker-completed",
        workflow({"g": ("barrier: false", LEAD_WORKER)}),
        {
            "workflow": "COMPLETED",
            "tasks": {
                "worker": {
                    "status": "COMPLETED",
                    "message": "Lead task finished",
                    "start_time": None,
                }
            },
        },
        scenario="tasks: {worker: {init: 600}}",
    ),
    Edge(
        "E50-exit-1",
        workflow({"g": ("", task("t", "echo out > /osmo/data/output/x; exit 1"))}),
        {"workflow": "FAILED", "tasks": {"t": {"status": "FAILED", "exit_code": 1}}},
    ),
    Edge(
        "E51-ctrl-exit-code",
        workflow({"g": ("", task("t", "sleep 1"))}),
        {"workflow": "FAILED", "tasks": {"t": {"status": "FAILED", "exit_code": 2030}}},
        scenario="tasks: {t: {exit_code: 2030}}",
    ),
]


def simulate(edge: Edge, tmp_path: Path) -> tuple[dict[str, Any], list[Any]]:
    path = tmp_path / "wf.yaml"
    path.write_text(edge.workflow)
    loaded = load_workflow(path, pool=load_pool(None, overrides=edge.pool or None))
    scenario = parse_scenario(edge.scenario) if edge.scenario else None
    run = SimRun(plan_from_spec(loaded), scenario, pool=loaded.pool)
    events = run.run_to_end()
    return build_report(run.snapshot), events


@pytest.mark.parametrize("edge", EDGES, ids=[e.id for e in EDGES])
def test_edge_case(edge: Edge, tmp_path: Path) -> None:
    report, _ = simulate(edge, tmp_path)
    check(report, edge.expect)


def test_e52_workflow_stays_running_between_stages(tmp_path: Path) -> None:
    edge = Edge(
        "E52",
        workflow(
            {
                "first": ("", task("a", "sleep 5")),
                "second": ("", task("b", "sleep 5", "inputs: [{task: a}]")),
            }
        ),
        {"workflow": "COMPLETED"},
        scenario="tasks: {b: {queue: 50}}",
    )
    report, events = simulate(edge, tmp_path)
    check(report, edge.expect)
    changes = [str(e.status) for e in events if isinstance(e, WorkflowStatusChanged)]
    assert changes == ["PENDING", "RUNNING", "COMPLETED"]
    assert report["groups"]["second"]["start_time"] == 55.0
