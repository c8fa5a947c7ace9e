"""`workflow exec` and `workflow port-forward` on live Docker runs, each verb its own process as a
user types it: piped and interactive (a pty) exec, a TCP round trip through a forward, the faults
(unknown task, not running yet, port taken, the task ending under a shell, a cancel under a
forward, an ended task), and `--keep-failed` then exec into the failed task's files, then gc."""

from __future__ import annotations

import contextlib
import json
import subprocess
from pathlib import Path
from typing import Any

import docker.errors
import pytest

from simulator.pool.platforms import host_arch
from tests.backends.attach import failing, live_scenario
from tests.docker.test_workflow_verbs import VERB, _osmo

pytestmark = pytest.mark.docker
IMAGE = f"osmo-tui/base:{host_arch()}"


def test_exec_and_port_forward_on_a_live_docker_run(docker_client: Any, tmp_path: Path) -> None:
    final = live_scenario(tmp_path, IMAGE, ["--backend", "docker", "--pull-policy", "never"])
    label = f"org.osmo-tui.run={final['run_id']}"
    assert not docker_client.containers.list(all=True, filters={"label": label})


def test_keep_failed_then_exec_reads_the_failed_tasks_files(
    docker_client: Any, tmp_path: Path
) -> None:
    (tmp_path / "crash.yaml").write_text(failing(IMAGE))
    run = subprocess.run(
        [*VERB[:-1], "run", "crash.yaml", "--headless", "--backend", "docker", "--pull-policy",
         "never", "--keep-failed"],
        cwd=tmp_path, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=180,
        check=False,
    )  # fmt: skip
    assert run.returncode == 1 and "FAILED" in run.stdout, run.stderr
    status = json.loads(_osmo("query", "crash-1", "-t", "json", cwd=tmp_path).stdout)
    assert status["tasks"]["boom"]["exit_code"] == 7 and status["live"] is False
    label = f"org.osmo-tui.kept={status['run_id']}"
    ours = docker_client.containers.list(all=True, filters={"label": label})
    try:
        assert len(ours) == 1 and ours[0].status == "running"
        result = _osmo("exec", "crash-1", "boom", "--entry", "cat /tmp/debug.txt", cwd=tmp_path)
        assert (result.returncode, result.stdout) == (0, "state at failure\n"), result.stderr
        image = ours[0].image.id
        gc = subprocess.run(
            [*VERB[:-1], "gc"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert gc.returncode == 0, gc.stderr
        assert f"removing kept container {ours[0].id[:12]}" in gc.stdout
        with pytest.raises(docker.errors.NotFound):
            docker_client.containers.get(ours[0].id)
        with pytest.raises(docker.errors.ImageNotFound):
            docker_client.images.get(image)
        gone = _osmo("exec", "crash-1", "boom", "--entry", "true", cwd=tmp_path)
        assert gone.returncode == 1 and gone.stderr == "osmo-tui: the task's container is gone\n"
    finally:  # gc took it, unless the test failed before
        for container in ours:
            with contextlib.suppress(docker.errors.NotFound):
                container.remove(force=True)
