"""scripts/services/docker.sh: idempotent and quick when warm, loud when dockerd cannot start."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.docker.conftest import SERVICE_SCRIPT

pytestmark = pytest.mark.docker


def _script(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SERVICE_SCRIPT)],
        stdin=subprocess.DEVNULL,  # CI runs it with no stdin
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **env},
        check=False,
    )


@pytest.mark.skipif(os.geteuid() != 0, reason="the service script starts dockerd as root")
def test_warm_run_changes_nothing(docker_client: Any) -> None:
    before = docker_client.info()["ID"], sorted(i.id for i in docker_client.images.list())
    proc = _script({"OSMO_TUI_SKIP_APT": "1"})
    assert proc.returncode == 0, proc.stderr
    assert "dockerd already running" in proc.stdout
    assert "images up to date" in proc.stdout
    assert proc.stdout.rstrip().endswith("ready")
    after = docker_client.info()["ID"], sorted(i.id for i in docker_client.images.list())
    assert after == before


@pytest.mark.skipif(os.geteuid() != 0, reason="the service script starts dockerd as root")
def test_fails_loudly_when_dockerd_cannot_start(docker_client: Any, tmp_path: Path) -> None:
    # A fake `docker` that never answers and a `dockerd` that dies at once, on a private socket
    # and pid file: the real engine is never touched.
    assert tmp_path.is_absolute()
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "docker").write_text("#!/bin/sh\nexit 1\n")
    (fake / "dockerd").write_text("#!/bin/sh\necho 'fake dockerd: cannot start' >&2\nexit 1\n")
    for exe in fake.iterdir():
        exe.chmod(0o755)
    env = {
        "PATH": f"{fake}:{os.environ['PATH']}",
        "OSMO_TUI_SKIP_APT": "1",
        "OSMO_TUI_DOCKER_SOCK": str(tmp_path / "docker.sock"),
        "OSMO_TUI_DOCKER_PIDFILE": str(tmp_path / "docker.pid"),
        "OSMO_TUI_DOCKERD_LOG": str(tmp_path / "dockerd.log"),
    }
    proc = _script(env)
    assert proc.returncode == 1
    assert "[docker.sh] ERROR: dockerd did not start" in proc.stderr
    assert "fake dockerd: cannot start" in proc.stderr  # the log's tail says why
    docker_client.ping()  # the real engine still answers
