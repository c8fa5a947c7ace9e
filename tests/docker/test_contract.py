"""The backend conformance suite on the real Docker engine: the same outcomes as the simulator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from simulator.backends.docker import DockerBackend
from simulator.backends.docker.options import DockerOptions
from tests.backends.contract import BackendContract, run_realtime
from tests.docker.conftest import leftovers

pytestmark = pytest.mark.docker


class TestDockerContract(BackendContract):
    @pytest.fixture(autouse=True)
    def _engine(self, docker_client: Any) -> None:
        self.client = docker_client

    def run_plan(self, plan: Any, tmp_path: Path) -> dict[str, Any]:
        assert tmp_path.is_absolute()
        run_dir = tmp_path / f"docker-{tmp_path.name}"
        run_dir.mkdir()
        report = run_realtime(
            plan, DockerBackend(DockerOptions(grace_period=2)), run_dir, timeout=120
        )
        assert leftovers(self.client, run_dir.name) == []
        return report
