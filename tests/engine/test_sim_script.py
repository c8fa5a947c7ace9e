"""What the simulator reads from a task's script when no scenario says otherwise."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from simulator.backends.scenario import Scenario, explain_task
from simulator.backends.sim_script import echoes, final_exit, infer_task


def spec(
    command: list[str], args: list[str] | None = None, files: list[dict] | None = None
) -> SimpleNamespace:
    return SimpleNamespace(
        command=command,
        args=args or [],
        files=[SimpleNamespace(base64=False, **f) for f in files or []],
    )


@pytest.mark.parametrize(
    ("script", "code"),
    [
        ("sleep 10; exit 3", 3),
        ("echo hi\nexit 7\n", 7),
        ("echo hi\nexit 7\n# trailing comment\n\n", 7),
        ("exit 300", 300 % 256),
        ("if true; then\n  exit 4\nfi", None),
        ("if true; then exit 4; fi", None),
        ("python train.py", None),
        ("exit $CODE", None),
        ("", None),
    ],
)
def test_final_exit(script: str, code: int | None) -> None:
    assert final_exit(script) == code


def test_sleeps_are_summed_across_command_args_and_files() -> None:
    task = spec(
        ["bash", "-c", "sleep 5; bash /tmp/run.sh"],
        files=[{"path": "/tmp/run.sh", "contents": "sleep 2m\necho done\nsleep 0.5\nexit 2\n"}],
    )
    inferred = infer_task(task)
    assert inferred.duration == 5 + 120 + 0.5
    assert inferred.exit_code == 2  # `bash /tmp/run.sh` ends the script: its exit is the file's
    assert inferred.exit_source == "final `exit 2` of file /tmp/run.sh"
    assert inferred.logs == ("done",)
    assert "sleep 5 in command" in inferred.duration_source


def test_executed_file_decides_the_exit_code() -> None:
    task = spec(["bash", "/tmp/run.sh"], files=[{"path": "/tmp/run.sh", "contents": "exit 9"}])
    inferred = infer_task(task)
    assert inferred.exit_code == 9 and inferred.exit_source == "final `exit 9` of file /tmp/run.sh"
    assert inferred.duration is None


def test_sleep_infinity_runs_until_killed() -> None:
    inferred = infer_task(spec(["sh", "-c", "start-server & sleep infinity"]))
    assert inferred.duration == float("inf")
    line = explain_task(Scenario(), "srv", inferred)
    assert "forever (until killed)" in line


def test_not_sleeps() -> None:
    inferred = infer_task(spec(["sh", "-c", "nosleep 5; time.sleep(3); sleep $T"]))
    assert inferred.duration is None


def test_literal_echoes_become_log_lines() -> None:
    assert echoes("echo \"hello world\"; echo $HOME; echo -n plain\necho 'q' ") == [
        "hello world",
        "plain",
        "q",
    ]


def test_scenario_overrides_the_script_in_explain() -> None:
    scenario = Scenario.model_validate({"tasks": {"t": {"duration": 3, "exit_code": 1}}})
    line = explain_task(scenario, "t", infer_task(spec(["sh", "-c", "sleep 9; exit 2"])))
    assert line == "t: duration 3s from scenario; exit code 1 from scenario"


def test_kubelet_expansion_before_reading_the_script() -> None:
    """`$(VAR)` is the kubelet's, not the shell's: `sleep $(DUR)` with DUR=5 runs `sleep 5`."""
    task = SimpleNamespace(
        command=["sh", "-c", "sleep $(DUR); exit $(CODE)"],
        args=[],
        files=[],
        environment={"DUR": "5", "CODE": "$(RC)", "RC": "3"},  # CODE sees RC only if before it
    )
    inferred = infer_task(task)
    assert inferred.duration == 5
    assert inferred.exit_code is None  # `exit $(RC)` stays literal: RC is declared after CODE
    task.environment = {"RC": "3", "DUR": "5", "CODE": "$(RC)"}
    assert infer_task(task).exit_code == 3
    task.command = ["sh", "-c", "sleep $$(DUR); exit $(CODE)"]  # `$$(DUR)`: a literal `$(DUR)`
    assert infer_task(task).duration is None
