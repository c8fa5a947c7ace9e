"""`osmo-tui workflow` verbs on simulator runs (which end at once): answers from the run store."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

WORKFLOW = """
default-values:
  greeting: hello
workflow:
  name: simple
  groups:
  - name: g
    tasks:
    - name: t
      image: alpine:3.18
      command: [sh, -c, "echo {{greeting}}; echo oops >&2; exit 3"]
"""


def _osmo(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "osmo_tui.cli.main", "workflow", *args],
        cwd=cwd,
        env=dict(os.environ),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_submit_then_every_verb_answers_from_the_store(tmp_path: Path) -> None:
    (tmp_path / "wf.yaml").write_text(WORKFLOW)
    submitted = _osmo("submit", "wf.yaml", "--set", "greeting=hi", cwd=tmp_path)
    assert submitted.returncode == 0, submitted.stderr
    assert "Workflow ID        - simple-1" in submitted.stdout
    listed = _osmo("list", cwd=tmp_path).stdout
    assert "simple-1" in listed and "FAILED" in listed
    query = json.loads(_osmo("query", "simple-1", "--format-type", "json", cwd=tmp_path).stdout)
    assert query["live"] is False and query["workflow_id"] == "simple-1"
    assert query["tasks"]["t"]["exit_code"] == 3
    text = _osmo("query", "simple-1", "-v", cwd=tmp_path).stdout.splitlines()
    assert "Workflow ID : simple-1" in text and "Status      : FAILED" in text
    assert text[-2].split() == ["Task", "Name", "Retry", "ID", "Start", "Time", "Status"]
    assert text[-1].split() == ["t", "0", "0.0s", "FAILED"]
    logs = _osmo("logs", "simple-1", "--task", "t", cwd=tmp_path)
    assert logs.stdout.splitlines() == ["Workflow simple-1 has logs:", "hi"]
    errors = _osmo("logs", "simple-1", "--task", "t", "--error", cwd=tmp_path)
    assert errors.stdout.splitlines() == ["Workflow simple-1 has error logs:"]  # sim: no stderr
    assert "echo hi;" in _osmo("spec", "simple-1", cwd=tmp_path).stdout
    assert "{{greeting}}" in _osmo("spec", "simple-1", "--template", cwd=tmp_path).stdout
    runs = list((Path(os.environ["OSMO_TUI_RUNS_DIR"])).iterdir())
    (run_dir,) = [p for p in runs if p.is_dir()]
    assert "workflow simple: FAILED" in (run_dir / "submit.log").read_text()  # the child's output
    assert not [p for p in runs if p.name.endswith(".out")]
    assert not [p for p in runs if p.is_dir() and (p / "control.sock").exists()]


def test_clear_errors_for_what_cannot_be_done(tmp_path: Path) -> None:
    (tmp_path / "wf.yaml").write_text(WORKFLOW)
    assert _osmo("submit", "wf.yaml", cwd=tmp_path).returncode == 0
    cases = {
        ("cancel", "simple-1"): "cancelation failed for workflow simple-1: the workflow is not",
        ("query", "nope-1"): "osmo-tui: Workflow nope-1 not found in",
        ("exec", "simple-1", "t"): "no container: the simulator runs no tasks",
        ("port-forward", "simple-1", "t", "--port", "80"): "no container: the simulator runs",
        ("logs", "simple-1", "--error"): "osmo-tui: Specify task for retry ID or error logs.",
        ("logs", "simple-1", "--task", "x"): "osmo-tui: Workflow simple-1 has no task x",
    }
    for args, message in cases.items():
        result = _osmo(*args, cwd=tmp_path)
        assert result.returncode in (1, 2), args
        assert len(result.stderr.splitlines()) == 1 and message in result.stderr, args
    both = _osmo("cancel", "simple-1", "nope-9", cwd=tmp_path)  # OSMO: each id, one line each
    assert both.returncode == 1 and len(both.stderr.splitlines()) == 2
    assert "workflow nope-9: Workflow nope-9 not found" in both.stderr
    (tmp_path / "bad.yaml").write_text("workflow:\n  name: bad\n")
    refused = _osmo("submit", "bad.yaml", cwd=tmp_path)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr


def test_a_stale_socket_of_a_dead_process_blocks_nothing(tmp_path: Path) -> None:
    (tmp_path / "wf.yaml").write_text(WORKFLOW)
    assert _osmo("submit", "wf.yaml", cwd=tmp_path).returncode == 0
    run_dir = next(p for p in Path(os.environ["OSMO_TUI_RUNS_DIR"]).iterdir() if p.is_dir())
    meta = json.loads((run_dir / "meta.json").read_text())
    (run_dir / "meta.json").write_text(json.dumps({**meta, "status": "RUNNING"}))
    (run_dir / "report.json").unlink()  # as if the process died mid-run
    stale = socket.socket(socket.AF_UNIX)
    os.chdir(run_dir)  # a short relative path: the run dir itself may be over AF_UNIX's limit
    try:
        stale.bind("control.sock")
    finally:
        stale.close()
        os.chdir(tmp_path)
    assert (run_dir / "control.sock").exists()
    listed = _osmo("list", cwd=tmp_path).stdout
    assert "UNKNOWN" in listed
    query = json.loads(_osmo("query", "simple-1", "-t", "json", cwd=tmp_path).stdout)
    assert query["live"] is False and query["tasks"]["t"]["status"] == "FAILED"
    assert "not running" in _osmo("cancel", "simple-1", cwd=tmp_path).stderr
    assert "simple-2" in _osmo("submit", "wf.yaml", cwd=tmp_path).stdout
