"""A plan run on the real Docker engine for the shared contracts, leaving nothing behind."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from simulator.backends.docker import DockerBackend
from simulator.backends.docker.options import DockerOptions
from tests.backends.contract import run_realtime
from tests.docker.conftest import leftovers


class DockerPlanRunner:
    """Mixin for a contract class (`BackendContract`, `ExpansionContract`): its `run_plan`."""

    client: Any

    @pytest.fixture(autouse=True)
    def _engine(self, docker_client: Any) -> None:
        self.client = docker_client

    def run_plan(self, plan: Any, tmp_path: Path) -> dict[str, Any]:
        assert tmp_path.is_absolute()
        run_dir = tmp_path / f"docker-{tmp_path.name}"
        run_dir.mkdir()
        backend = DockerBackend(DockerOptions(grace_period=2))
        report = run_realtime(plan, backend, run_dir, timeout=120)
        assert leftovers(self.client, run_dir.name) == []
        return report
