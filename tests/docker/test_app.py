"""The app drives a workflow on the local Docker engine: live logs, data between groups, the screen,
the run record, and nothing left behind."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from osmo_tui.app.app import make_app
from simulator.backends.docker.options import DockerOptions
from simulator.engine.status import TaskStatus, WorkflowStatus
from simulator.run import RunRequest
from tests.docker.conftest import leftovers
from tests.tui.conftest import settle
from tests.tui.screen_text import screen_text

pytestmark = [pytest.mark.docker, pytest.mark.anyio]

WORKFLOW = """\
workflow:
  name: app-docker
  groups:
  - name: first
    tasks:
    - name: hello
      image: ubuntu:24.04
      command: [sh, -c, "echo one; sleep 1; echo two > {{output}}/x; echo done"]
  - name: second
    tasks:
    - name: consume
      image: ubuntu:24.04
      command: [sh, -c, "cat {{input:0}}/x"]
      inputs: [{task: hello}]
"""


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_app_runs_a_workflow_on_docker(docker_client: Any, tmp_path: Path) -> None:
    path = tmp_path / "app.yaml"
    path.write_text(WORKFLOW)
    options = RunRequest(path=path, backend=DockerOptions(grace_period=2))
    app = make_app(options, keymap={})
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, timeout=60)
        snap = app.session.snapshot
        assert snap is not None and snap.backend == "docker"
        assert snap.status is WorkflowStatus.COMPLETED
        assert {n: (t.status, t.exit_code) for n, t in snap.tasks.items()} == {
            "hello": (TaskStatus.COMPLETED, 0),
            "consume": (TaskStatus.COMPLETED, 0),
        }
        assert app.session.logs.get("hello") == ["one", "done"]
        assert app.session.logs.get("consume") == ["two"]
        text = screen_text(app)
        assert "docker" in text and "COMPLETED" in text
        run_dir = app.session.run_dir
    assert run_dir is not None
    events = [json.loads(line) for line in (run_dir / "events.jsonl").read_text().splitlines()]
    assert events[-1]["kind"] == "run_finished"
    assert leftovers(docker_client, run_dir.name) == []
