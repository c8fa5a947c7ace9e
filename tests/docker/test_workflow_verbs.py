"""`osmo-tui workflow` verbs on live Docker runs, each verb its own process, as a user types them:
submit -> list -> query -> logs (followed) -> cancel -> query shows FAILED_CANCELED."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.docker

WORKFLOW = """
workflow:
  name: nap
  resources:
    default: {cpu: 1, memory: 256Mi}
  groups:
  - name: g
    tasks:
    - name: napper
      image: alpine:3.18
      command: [sh, -c, 'echo start; echo warm >&2; i=0; while [ $i -lt 120 ]; do i=$((i+1)); echo tick $i; sleep 1; done']
"""
VERB = [sys.executable, "-m", "osmo_tui.cli.main", "workflow"]


def _osmo(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*VERB, *args], cwd=cwd, env=dict(os.environ), stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def _query(ident: str, cwd: Path) -> dict[str, Any]:
    result = _osmo("query", ident, "--format-type", "json", cwd=cwd)
    assert result.returncode == 0, result.stderr
    answer: dict[str, Any] = json.loads(result.stdout)
    return answer


def _until(ident: str, cwd: Path, done: Any, timeout: float = 90) -> dict[str, Any]:
    """Query `ident` until `done` holds of the answer (returned); fail, saying where the run
    stood, when `timeout` seconds pass first."""
    deadline = time.monotonic() + timeout
    while True:
        answer = _query(ident, cwd)
        if done(answer):
            return answer
        if time.monotonic() > deadline:
            tasks = {name: task["status"] for name, task in answer["tasks"].items()}
            raise AssertionError(
                f"{ident} after {timeout:g} s: workflow {answer['workflow']['status']},"
                f" live {answer['live']}, tasks {tasks}"
            )
        time.sleep(0.5)


def _submit(cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*VERB, "submit", "nap.yaml", "--backend", "docker", "-t", "json"],
        cwd=cwd, env=dict(os.environ), stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def test_live_run_driven_from_other_processes(docker_client: Any, tmp_path: Path) -> None:
    (tmp_path / "nap.yaml").write_text(WORKFLOW)
    submits = [_submit(tmp_path), _submit(tmp_path)]  # at once: two distinct ids
    results = [json.loads(proc.communicate(timeout=120)[0]) for proc in submits]
    ids = sorted(r["name"] for r in results)
    assert ids == ["nap-1", "nap-2"]
    run_dirs = [Path(r["overview"]) for r in results]
    try:
        listed = _osmo("list", cwd=tmp_path).stdout
        assert listed.count("RUNNING") == 2 and "nap-1" in listed and "nap-2" in listed
        running = _until("nap-1", tmp_path, lambda a: a["tasks"]["napper"]["status"] == "RUNNING")
        assert running["live"] is True and running["backend"] == "docker"
        assert running["workflow"]["status"] == "RUNNING"
        _follow_logs_then_cancel(tmp_path)
        ended = _until("nap-1", tmp_path, lambda a: not a["live"])
        assert ended["workflow"]["status"] == "FAILED_CANCELED"
        assert ended["tasks"]["napper"]["status"] == "FAILED_CANCELED"
        assert _query("nap-2", tmp_path)["live"] is True  # the other run goes on
        errors = _osmo("logs", "nap-1", "--task", "napper", "--error", cwd=tmp_path).stdout
        assert errors.splitlines()[1:] == ["warm"]
        again = _osmo("cancel", "nap-1", cwd=tmp_path)
        assert again.returncode == 1 and "is not running" in again.stderr, again.stderr
    finally:
        for ident in ids:
            _osmo("cancel", ident, cwd=tmp_path)
        for ident in ids:
            _until(ident, tmp_path, lambda a: not a["live"])
    for run_dir in run_dirs:  # the endpoint is closed and its socket removed
        assert not os.path.lexists(run_dir / "control.sock")


def _follow_logs_then_cancel(cwd: Path) -> None:
    """`logs` follows the live task; the cancel ends the task and so the follow, by itself."""
    follower = subprocess.Popen(
        [*VERB, "logs", "nap-1", "--task", "napper", "-n", "1"],
        cwd=cwd, env=dict(os.environ), stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert follower.stdout is not None
    assert follower.stdout.readline() == "Workflow nap-1 has logs:\n"
    first = follower.stdout.readline()
    assert first.startswith(("start", "tick"))
    assert follower.stdout.readline().startswith("tick")  # a line that came after we asked
    cancel = _osmo("cancel", "nap-1", "-m", "enough", cwd=cwd)
    assert cancel.stdout == "Cancel job for workflow nap-1 is submitted!\n", cancel.stderr
    rest, _ = follower.communicate(timeout=60)
    assert follower.returncode == 0
    assert all(line.startswith("tick") for line in rest.splitlines())
