"""The backend conformance suite: small workflows whose outcome OSMO defines, for every backend.

Each case is a workflow whose commands really do what they say (`sleep 1; exit 3`), so a real
backend (Docker, Kubernetes) produces the outcome by running them, and the simulator by reading
the same script. A backend's test module subclasses `BackendContract` and implements
`run_plan(plan, tmp_path) -> report` (the `simulate --json` document); `run_realtime` does that
for any `simulator.engine.port.Backend` through the shared engine:

    class TestDockerContract(BackendContract):
        def run_plan(self, plan, tmp_path):
            return run_realtime(plan, DockerBackend(), tmp_path)
"""

from __future__ import annotations

import asyncio
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

IMAGE = "ubuntu:24.04"


@dataclass(frozen=True)
class Case:
    id: str
    workflow: str
    expect: dict[str, Any]
    """{"workflow": STATUS, "groups": {g: STATUS}, "tasks": {t: {field: value}}}; only what is
    listed is checked (messages exactly, as OSMO writes them)."""
    pool: dict[str, Any] = field(default_factory=dict)


def _task(name: str, script: str, extra: str = "", lead: bool = False) -> str:
    lead_line = "\n      lead: true" if lead else ""
    return (
        f"    - name: {name}{lead_line}\n"
        f"      image: {IMAGE}\n"
        f'      command: [sh, -c, "{script}"]\n' + extra
    )


def _wf(name: str, groups: list[tuple[str, str, str]], timeout: str = "") -> str:
    """groups: (name, group options YAML, tasks YAML)."""
    body = f"workflow:\n  name: {name}\n{timeout}  groups:\n"
    for gname, options, tasks in groups:
        body += f"  - name: {gname}\n{options}    tasks:\n{tasks}"
    return body


CASES: list[Case] = [
    Case(
        "success",
        _wf("ok", [("g", "", _task("t", "echo hello; sleep 1"))]),
        {"workflow": "COMPLETED", "tasks": {"t": {"status": "COMPLETED", "exit_code": 0}}},
    ),
    Case(
        "exit-code-fails-and-propagates",
        _wf(
            "chain",
            [
                ("a", "", _task("a1", "sleep 1; exit 3")),
                ("b", "", _task("b1", "sleep 1", "      inputs: [{task: a1}]\n")),
            ],
        ),
        {
            "workflow": "FAILED",
            "groups": {"a": "FAILED", "b": "FAILED_UPSTREAM"},
            "tasks": {
                "a1": {"status": "FAILED", "exit_code": 3},
                "b1": {
                    "status": "FAILED_UPSTREAM",
                    "exit_code": 3000,
                    "message": "Upstream task failed.",
                },
            },
        },
    ),
    Case(
        "lead-finishing-completes-worker",
        _wf(
            "lead",
            [("g", "", _task("l", "sleep 1", lead=True) + _task("w", "sleep 60"))],
        ),
        {
            "workflow": "COMPLETED",
            "tasks": {
                "l": {"status": "COMPLETED", "exit_code": 0},
                "w": {"status": "COMPLETED", "exit_code": None, "message": "Lead task finished"},
            },
        },
    ),
    Case(
        "lead-failure-fails-worker",
        _wf(
            "leadfail",
            [("g", "", _task("l", "sleep 1; exit 1", lead=True) + _task("w", "sleep 60"))],
        ),
        {
            "workflow": "FAILED",
            "groups": {"g": "FAILED"},
            "tasks": {
                "l": {"status": "FAILED", "exit_code": 1},
                "w": {"status": "FAILED", "message": "Lead task finished"},
            },
        },
    ),
    Case(
        "nonlead-failure-ignored",
        _wf(
            "ignored",
            [
                ("g", "", _task("l", "sleep 2", lead=True) + _task("w", "exit 1")),
                ("after", "", _task("d", "sleep 1", "      inputs: [{task: l}]\n")),
            ],
        ),
        {
            "workflow": "COMPLETED",
            "groups": {"g": "COMPLETED", "after": "COMPLETED"},
            "tasks": {"w": {"status": "FAILED", "exit_code": 1}, "d": {"status": "COMPLETED"}},
        },
    ),
    Case(
        "nonlead-failure-fails-group",
        _wf(
            "strict",
            [
                (
                    "g",
                    "    ignoreNonleadStatus: false\n",
                    _task("l", "sleep 60", lead=True) + _task("w", "sleep 1; exit 2"),
                )
            ],
        ),
        {
            "workflow": "FAILED",
            "tasks": {
                "w": {"status": "FAILED", "exit_code": 2},
                "l": {"status": "FAILED", "exit_code": None, "message": "Task w Failed."},
            },
        },
    ),
    Case(
        "exit-action-complete",
        _wf(
            "actions",
            [("g", "", _task("t", "sleep 1; exit 16", "      exitActions: {COMPLETE: '16'}\n"))],
        ),
        {
            "workflow": "COMPLETED",
            "tasks": {
                "t": {
                    "status": "COMPLETED",
                    "exit_code": 16,
                    "message": "Exit Action: COMPLETE the task for exit code 16.",
                }
            },
        },
    ),
    Case(
        "reschedule-at-retry-limit-0",
        _wf(
            "limit",
            [("g", "", _task("t", "exit 16", "      exitActions: {RESCHEDULE: 11-20}\n"))],
        ),
        {
            "workflow": "FAILED",
            "tasks": {
                "t": {
                    "status": "FAILED",
                    "exit_code": 16,
                    "retries": 0,
                    "message": "No exit action applied due to retry limit 0.",
                }
            },
        },
    ),
    Case(
        "reschedule-retries",
        _wf(
            "retries",
            [("g", "", _task("t", "exit 16", "      exitActions: {RESCHEDULE: 11-20}\n"))],
        ),
        {
            "workflow": "FAILED",
            "tasks": {
                "t": {
                    "status": "FAILED",
                    "retries": 2,
                    "message": "No exit action applied due to retry limit 2.",
                }
            },
        },
        pool={"max_retry_per_task": 2},
    ),
    Case(
        "exec-timeout",
        _wf(
            "slow",
            [("g", "", _task("t", "sleep 60")), ("other", "", _task("o", "sleep 1"))],
            timeout="  timeout: {exec_timeout: 3s}\n",
        ),
        {
            "workflow": "FAILED_EXEC_TIMEOUT",
            "groups": {"g": "FAILED_EXEC_TIMEOUT", "other": "COMPLETED"},
            "tasks": {
                "t": {
                    "status": "FAILED_EXEC_TIMEOUT",
                    "exit_code": None,
                    "message": "Task ran longer than the set limit of 3s.",
                }
            },
        },
    ),
    Case(
        "barrier-gang",
        _wf(
            "barrier",
            [
                (
                    "g",
                    "",
                    _task("l", "sleep 2", lead=True)
                    + _task("w1", "sleep 1")
                    + _task("w2", "exit 0"),
                )
            ],
        ),
        {
            "workflow": "COMPLETED",
            "tasks": {n: {"status": "COMPLETED"} for n in ("l", "w1", "w2")},
        },
    ),
]


def check(report: dict[str, Any], expect: dict[str, Any]) -> None:
    """Assert the listed parts of `expect` against a `--json` report."""
    problems: list[str] = []
    if "workflow" in expect and report["workflow"]["status"] != expect["workflow"]:
        problems.append(f"workflow {report['workflow']['status']} != {expect['workflow']}")
    for group, status in expect.get("groups", {}).items():
        if report["groups"][group]["status"] != status:
            problems.append(f"group {group} {report['groups'][group]['status']} != {status}")
    for task, fields in expect.get("tasks", {}).items():
        for key, value in fields.items():
            got = report["tasks"][task][key]
            if got != value:
                problems.append(f"task {task} {key}: {got!r} != {value!r}")
    assert not problems, "; ".join(problems)


def write_case(case: Case, tmp_path: Path) -> Path:
    """The case's workflow (and, if it has pool overrides, an `osmo-pool.yaml` beside it)."""
    path = tmp_path / f"{case.id}.yaml"
    path.write_text(textwrap.dedent(case.workflow))
    return path


def load_case(case: Case, path: Path) -> tuple[Any, Any]:
    """(loaded, plan) with the case's pool overrides applied."""
    from simulator.engine.from_spec import plan_from_spec
    from simulator.pool.config import load_pool
    from simulator.spec.loader import load_workflow

    pool = load_pool(None, overrides=case.pool or None)
    loaded = load_workflow(path, pool=pool)
    return loaded, plan_from_spec(loaded)


def run_realtime(plan: Any, backend: Any, tmp_path: Path, timeout: float = 120.0) -> dict[str, Any]:
    """Run a plan on a real backend through `RealtimeRun`; the report as `simulate --json`."""
    from simulator.engine.realtime import RealtimeRun
    from simulator.engine.report import build_report
    from simulator.engine.snapshot import RunSnapshot, fold

    snap = RunSnapshot.from_plan(plan)

    async def main() -> None:
        run = RealtimeRun(plan, backend, run_dir=tmp_path)
        await asyncio.wait_for(run.run(lambda event: fold(snap, event)), timeout=timeout)

    asyncio.run(main())
    return build_report(snap)


class BackendContract:
    """Subclass in a backend's test module; implement `run_plan`."""

    def run_plan(self, plan: Any, tmp_path: Path) -> dict[str, Any]:
        """Run the plan to the end on the backend under test; return the report."""
        raise NotImplementedError

    @pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
    def test_case(self, case: Case, tmp_path: Path) -> None:
        _, plan = load_case(case, write_case(case, tmp_path))
        check(self.run_plan(plan, tmp_path), case.expect)
