"""The kubelet's `$(VAR)` expansion on the real Docker engine: the shared table, end to end.

Each task checks its own argv and env (`cmp`) and exits 0 only if they match; the file-path run
exits 0 only if `$(READER) $(FILE_PATH)` became `cat /opt/data/input.txt` (unexpanded,
`$(READER)` is not found: 127).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from simulator.backends.docker import DockerBackend
from simulator.backends.docker.options import DockerOptions
from tests.backends.contract import run_realtime
from tests.backends.expansion import ExpansionContract
from tests.docker.conftest import leftovers

pytestmark = pytest.mark.docker


class TestDockerExpansion(ExpansionContract):
    @pytest.fixture(autouse=True)
    def _engine(self, docker_client: Any) -> None:
        self.client = docker_client

    def run_plan(self, plan: Any, tmp_path: Path) -> dict[str, Any]:
        run_dir = tmp_path / f"docker-{tmp_path.name}"
        run_dir.mkdir()
        report = run_realtime(
            plan, DockerBackend(DockerOptions(grace_period=2)), run_dir, timeout=120
        )
        assert leftovers(self.client, run_dir.name) == []
        return report
