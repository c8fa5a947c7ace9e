"""`osmo-tui simulate` end to end on YAML workflows through the real spec loader."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from osmo_tui.cli.main import main
from simulator.engine.from_spec import plan_from_spec
from simulator.runs import RunStore
from simulator.spec.loader import load_workflow

GANG = """
workflow:
  name: gang
  groups:
  - name: train
    tasks:
    - name: lead
      lead: true
      image: ubuntu
      command: [bash, -c, "echo start; sleep 5; echo done"]
    - name: worker
      image: ubuntu
      command: [bash, -c, "sleep 10; exit 3"]
  - name: eval
    tasks:
    - name: ev
      image: ubuntu
      command: [sh, -c, "sleep 2"]
      inputs: [{task: lead}]
"""


def write(tmp_path: Path, text: str, name: str = "wf.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def simulate_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict]:
    code = main(["simulate", *argv, "--json"])
    out = capsys.readouterr().out
    return code, json.loads(out)


def test_plan_from_spec_builds_the_group_dag(tmp_path: Path) -> None:
    plan = plan_from_spec(load_workflow(write(tmp_path, GANG)))
    assert plan.workflow_id == "gang-1"
    assert plan.groups["eval"].upstream == ("train",)
    assert plan.groups["train"].downstream == ("eval",)
    assert plan.groups["train"].barrier and not plan.groups["eval"].barrier
    assert plan.tasks["ev"].inputs == ("lead",) and plan.tasks["ev"].lead
    assert plan.exec_timeout == 60 * 86400 and plan.max_retry == 0


def test_json_document_and_script_inference(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, doc = simulate_json(capsys, str(write(tmp_path, GANG)))
    assert code == 0
    assert doc["workflow"] == {
        "name": "gang",
        "status": "COMPLETED",
        "start_time": 0.0,
        "end_time": 7.0,
    }
    assert doc["groups"]["eval"] == {
        "status": "COMPLETED",
        "start_time": 5.0,
        "end_time": 7.0,
        "tasks": ["ev"],
    }
    assert doc["tasks"]["worker"] == {
        "group": "train",
        "lead": False,
        "status": "COMPLETED",
        "exit_code": None,
        "retries": 0,
        "start_time": 0.0,
        "end_time": 5.0,
        "message": "Lead task finished",
        "reused_from": None,
    }


def test_nonlead_exit_3_with_ignore_false_fails_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = GANG.replace("  - name: train\n", "  - name: train\n    ignoreNonleadStatus: false\n")
    text = text.replace("sleep 5;", "sleep 50;")
    code, doc = simulate_json(capsys, str(write(tmp_path, text)))
    assert code == 1
    assert doc["workflow"]["status"] == "FAILED"
    assert doc["tasks"]["worker"]["exit_code"] == 3
    assert doc["tasks"]["lead"]["message"] == "Task worker Failed."
    assert doc["tasks"]["ev"]["status"] == "FAILED_UPSTREAM"
    assert doc["tasks"]["ev"]["start_time"] is None


def test_exit_actions_with_pool_retry_limit_from_scenario(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wf = write(
        tmp_path,
        """
        workflow:
          name: retry
          tasks:
          - name: t
            image: ubuntu
            command: [sh, -c, "sleep 3; exit 16"]
            exitActions: {COMPLETE: 0-10, RESCHEDULE: 11-20}
        """,
    )
    code, doc = simulate_json(capsys, str(wf))
    assert code == 1
    assert doc["tasks"]["t"]["message"] == "No exit action applied due to retry limit 0."
    scenario = write(tmp_path, "pool: {max_retry_per_task: 3}\n", "s.yaml")
    code, doc = simulate_json(capsys, str(wf), "--scenario", str(scenario))
    assert code == 1 and doc["tasks"]["t"]["retries"] == 3
    assert doc["workflow"]["end_time"] == 12.0


def test_timeouts_from_the_spec(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wf = write(
        tmp_path,
        """
        workflow:
          name: slow
          timeout: {exec_timeout: 1m, queue_timeout: PT30S}
          tasks:
          - name: a
            image: ubuntu
            command: [sh, -c, "sleep 600"]
          - name: b
            image: ubuntu
            command: [sh, -c, "sleep 1"]
        """,
    )
    scenario = write(tmp_path, "tasks: {b: {queue: 100}}\n", "s.yaml")
    code, doc = simulate_json(capsys, str(wf), "--scenario", str(scenario))
    assert code == 1
    assert doc["tasks"]["a"]["message"] == "Task ran longer than the set limit of 1m."
    assert doc["tasks"]["b"]["message"] == (
        "Task stayed in queue longer than the set limit of PT30S."
    )
    assert doc["workflow"]["status"] == "FAILED_EXEC_TIMEOUT"


def test_scenario_cancel(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = write(tmp_path, "events: [{at: 3, cancel: workflow, message: enough}]\n", "s.yaml")
    code, doc = simulate_json(capsys, str(write(tmp_path, GANG)), "--scenario", str(scenario))
    assert code == 1 and doc["workflow"]["status"] == "FAILED_CANCELED"
    assert doc["tasks"]["ev"]["status"] == "FAILED_CANCELED"
    assert doc["tasks"]["lead"]["message"].startswith("Task was canceled by user: ")


def test_timeline_summary_and_determinism(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wf = str(write(tmp_path, GANG))
    assert main(["simulate", wf, "--no-record"]) == 0
    first = capsys.readouterr().out
    assert main(["simulate", wf, "--no-record"]) == 0
    assert capsys.readouterr().out == first
    assert "[      1.7s]     lead | start" in first
    assert "task worker COMPLETED  (Lead task finished)" in first
    assert "workflow gang: COMPLETED (start 0.0s, end 7.0s)" in first


def test_explain(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", str(write(tmp_path, GANG)), "--explain", "--no-record"]) == 0
    out = capsys.readouterr().out
    assert "explain: worker: duration 10s from literal sleep 10 in command; " in out
    assert "exit code 3 from final `exit 3` of command" in out


def test_exports_and_run_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wf = write(tmp_path, GANG)
    events, junit, graph, dot = (tmp_path / n for n in ("e.jsonl", "j.xml", "g.mmd", "g.dot"))
    argv = ["simulate", str(wf), "--events", str(events), "--junit", str(junit)]
    assert main([*argv, "--graph-out", str(graph)]) == 0
    assert main([*argv, "--graph-out", str(dot), "--no-record"]) == 0
    capsys.readouterr()
    lines = [json.loads(line) for line in events.read_text().splitlines()]
    assert lines[0]["kind"] == "run_started" and lines[-1] == {
        "kind": "run_finished",
        "time": 7.0,
        "status": "COMPLETED",
    }
    assert 'tests="3" failures="0"' in junit.read_text()
    assert "g_train --> g_eval" in graph.read_text()
    assert "g_train -> g_eval;" in dot.read_text()
    runs = RunStore().list()
    assert len(runs) == 1 and runs[0].status == "COMPLETED" and runs[0].workflow == "gang"
    recorded = RunStore().load("latest")
    assert [e.kind for e in recorded.events] == [line["kind"] for line in lines]
    assert recorded.report is not None and recorded.report["workflow"]["status"] == "COMPLETED"
    assert recorded.logs == {"lead.log": "start\ndone\n"}
    assert "name: gang" in recorded.spec


@pytest.mark.parametrize(
    ("scenario", "message"),
    [
        ("tasks:\n  lead:\n    duration: abc\n", "s.yaml:3: tasks.lead.duration: Input should be"),
        ("tasks: {nope: {duration: 1}}\n", "s.yaml:1: tasks.nope: no task named 'nope' in the"),
        ("events:\n- {at: 1, cancel: ghost}\n", "s.yaml:2: events.0.cancel: 'ghost' is not `workf"),
        ("bogus: 1\n", "s.yaml:1: bogus: Extra inputs are not permitted"),
        ("tasks: [\n", "s.yaml:2:1: invalid YAML"),
        ("seed: 1\npool: {max_retries: 3}\n", "s.yaml:2: pool: max_retries: Extra inputs"),
    ],
)
def test_bad_scenarios_exit_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], scenario: str, message: str
) -> None:
    path = write(tmp_path, scenario, "s.yaml")
    assert main(["simulate", str(write(tmp_path, GANG)), "--scenario", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err and "Traceback" not in err


def test_invalid_spec_and_missing_file_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = write(
        tmp_path, "workflow:\n  name: x\n  tasks:\n  - name: a\n    image: u\n    command: echo\n"
    )
    assert main(["simulate", str(bad)]) == 2
    assert "wf.yaml:6:14: workflow.tasks.0.command: Input should be a valid list" in (
        capsys.readouterr().err
    )
    assert main(["simulate", str(tmp_path / "missing.yaml")]) == 2
    assert "no such workflow file" in capsys.readouterr().err


EXPANDED = """\
workflow:
  name: expand
  tasks:
  - name: job
    image: ubuntu:24.04
    command: [sh, -c, 'sleep $(DUR); exit $(CODE)']
    environment: {DUR: '4', CODE: '0'}
"""


def test_explain_reads_the_kubelet_expanded_script_and_set_env(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`$(DUR)` is expanded from the environment, which `--set-env` overrides as OSMO does."""
    wf = str(write(tmp_path, EXPANDED))
    assert main(["simulate", wf, "--explain", "--no-record"]) == 0
    out = capsys.readouterr().out
    assert "explain: job: duration 4s from literal sleep 4 in command; " in out
    assert main(["simulate", wf, "--explain", "--no-record", "--set-env", "DUR=9", "CODE=5"]) == 1
    out = capsys.readouterr().out
    assert "duration 9s from literal sleep 9 in command" in out
    assert "exit code 5 from final `exit 5` of command" in out
    assert main(["validate", wf, "--set-env", "DUR"]) == 2
    err = capsys.readouterr().err
    assert err == "osmo-tui: --set-env DUR: Environment variable DUR is incorrectly formatted\n"
