"""`osmo-tui run FILE --backend docker --headless` end to end: pool config, GPU inventory, mounts,
the run store (events, per-task logs written as they happen, outputs) and placement reasons."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.docker

WORKFLOW = """
workflow:
  name: cli
  resources:
    default: {cpu: 1, memory: 512Mi}
    onegpu: {gpu: 1, cpu: 1, memory: 512Mi}
  groups:
  - name: first
    tasks:
    - name: reader
      image: ubuntu:24.04
      volumeMounts: ["SHARE:/data"]
      command: [sh, -c, 'cat /data/f.txt; cp /data/f.txt {{output}}/copy.txt']
  - name: second
    tasks:
    - name: trainer
      image: ubuntu:24.04
      resource: onegpu
      command: [sh, -c, 'echo "gpu=$NVIDIA_VISIBLE_DEVICES"; cat {{input:0}}/copy.txt']
      inputs: [{task: reader}]
"""

POOL = """
default_platform: box
platforms:
  box:
    arch: {arch}
    cpu: 2
    memory: 8Gi
    gpus: 2
    simulated: false
    allowed_mounts: [{share}]
"""


def _osmo(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "osmo_tui.cli.main", *args],
        cwd=cwd,
        env={**os.environ, **env},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def runs_dir(stderr: str) -> Path:
    """The run directory the CLI reported ("osmo-tui: run recorded in DIR")."""
    marker = "osmo-tui: run recorded in "
    line = next(x for x in stderr.splitlines() if x.startswith(marker))
    path = Path(line[len(marker) :])
    assert path.is_relative_to(Path(os.environ["OSMO_TUI_RUNS_DIR"]))
    return path


def _setup(tmp_path: Path, workflow: str = WORKFLOW) -> tuple[Path, Path]:
    from simulator.pool.platforms import host_arch

    share = tmp_path / "share"
    share.mkdir()
    (share / "f.txt").write_text("shared data\n")
    path = tmp_path / "wf.yaml"
    path.write_text(workflow.replace("SHARE", str(share)))
    pool = tmp_path / "pool.yaml"
    pool.write_text(POOL.format(arch=host_arch(), share=share))
    return path, pool


def test_headless_run_with_pool_gpus_mounts_and_run_store(
    docker_client: Any, tmp_path: Path
) -> None:
    path, pool = _setup(tmp_path)
    args = ["run", str(path), "--backend", "docker", "--headless", "--json"]
    proc = _osmo(*args, "--pool-config", str(pool), "--gpu-inventory", "7,8", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["workflow"]["status"] == "COMPLETED"
    run = runs_dir(proc.stderr)
    logs = run / "logs"
    assert (logs / "reader.log").read_text() == "shared data\n"
    assert (logs / "trainer.log").read_text() == "gpu=7\nshared data\n"
    assert (run / "outputs" / "reader" / "copy.txt").read_text() == "shared data\n"
    events = [json.loads(line) for line in (run / "events.jsonl").open()]
    # Where each task runs and why, for the TUI's task detail.
    placed = {e["task"]: e for e in events if e["kind"] == "task_initializing"}
    assert set(placed) == {"reader", "trainer"}
    for event in placed.values():
        assert event["node"].startswith("docker:")
        assert "placed on local docker, linux/" in event["reason"]
        assert "platform box" in event["reason"]
    assert placed["trainer"]["reason"].endswith("GPUs 7")


def test_pool_config_decides_what_a_task_may_mount(docker_client: Any, tmp_path: Path) -> None:
    path, pool = _setup(tmp_path)
    pool.write_text(pool.read_text().replace(f"allowed_mounts: [{tmp_path}/share]", ""))
    args = ["run", str(path), "--backend", "docker", "--headless"]
    proc = _osmo(*args, "--pool-config", str(pool), cwd=tmp_path)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    line = proc.stderr.strip().splitlines()[-1]
    assert line.startswith("osmo-tui: ")
    assert "does not allow mount" in line


def test_bad_docker_option_is_one_line(tmp_path: Path) -> None:
    path, pool = _setup(tmp_path)
    args = ["run", str(path), "--backend", "docker", "--headless", "--shm-size", "lots"]
    proc = _osmo(*args, "--pool-config", str(pool), cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.startswith("osmo-tui: --shm-size 'lots':")
    assert len(proc.stderr.strip().splitlines()) == 1
    assert os.environ["OSMO_TUI_RUNS_DIR"]  # never the working directory's run store


def test_unreachable_engine_is_one_clear_line(tmp_path: Path) -> None:
    path, pool = _setup(tmp_path)
    nowhere = f"unix://{tmp_path}/no-docker.sock"
    args = ["run", str(path), "--backend", "docker", "--headless", "--pool-config", str(pool)]
    for argv in (args, ["gc"]):
        proc = _osmo(*argv, cwd=tmp_path, DOCKER_HOST=nowhere)
        assert proc.returncode == 1
        lines = [x for x in proc.stderr.splitlines() if not x.startswith("osmo-tui: run recorded")]
        assert lines == [
            f"osmo-tui: cannot reach the Docker engine at {nowhere} (no such socket: is dockerd "
            "running?); start it (e.g. `sudo bash scripts/services/docker.sh`) or set DOCKER_HOST"
        ]
