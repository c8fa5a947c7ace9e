"""The kubelet's `$(VAR)` expansion on the real Docker engine: the shared table, end to end."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from simulator.backends.docker import DockerBackend
from tests.backends.contract import Case, check, load_case, run_realtime, write_case
from tests.backends.expansion import EXPANSION_RUNS
from tests.docker.conftest import leftovers

pytestmark = pytest.mark.docker


@pytest.mark.parametrize("case", EXPANSION_RUNS, ids=[c.id for c in EXPANSION_RUNS])
def test_expansion_as_on_a_cluster(case: Case, tmp_path: Path, docker_client: Any) -> None:
    """Each task checks its own argv and env (`cmp`) and exits 0 only if they match; the
    file-path run exits 0 only if `$(READER) $(FILE_PATH)` became `cat /opt/data/input.txt`
    (unexpanded, `$(READER)` is not found: 127)."""
    _, plan = load_case(case, write_case(case, tmp_path))
    run_dir = tmp_path / f"docker-{tmp_path.name}"
    run_dir.mkdir()
    report = run_realtime(plan, DockerBackend(grace_period=2), run_dir, timeout=120)
    assert leftovers(docker_client, run_dir.name) == []
    check(report, case.expect)
