"""Quitting the app during a live Docker run leaves nothing running: the run's containers and
network are removed before the app exits, and the record says the run was abandoned."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from osmo_tui.app.app import make_app
from simulator.backends.docker.options import DockerOptions
from simulator.engine.status import TaskStatus
from simulator.run import RunRequest
from tests.docker.conftest import leftovers
from tests.docker.test_attach import IMAGE
from tests.tui.conftest import wait_for

pytestmark = [pytest.mark.docker, pytest.mark.anyio]

SLEEPER = f"""
workflow:
  name: sleeper
  tasks:
  - name: nap
    image: {IMAGE}
    command: [sh, -c, 'echo napping; sleep 300']
"""


@pytest.mark.parametrize("key", ["q", "ctrl+q"])
async def test_quit_during_a_live_run_removes_its_containers_first(
    docker_client: Any, tmp_path: Path, key: str
) -> None:
    path = tmp_path / "sleeper.yaml"
    path.write_text(SLEEPER)
    request = RunRequest(path=path, backend=DockerOptions(grace_period=1, pull_policy="never"))
    app = make_app(request, keymap={})
    async with app.run_test(size=(120, 40)) as pilot:

        def running() -> bool:
            snap = app.session.snapshot
            return snap is not None and snap.tasks["nap"].status is TaskStatus.RUNNING

        await wait_for(pilot, running, timeout=120)
        run_id = app.session.run.realtime.backend._run_id  # type: ignore[union-attr]
        assert leftovers(docker_client, run_id)  # its container is there while it runs
        await pilot.press(key)
    # the app has exited: nothing of the run is left, and no coroutine was dropped on the way
    assert leftovers(docker_client, run_id) == []
    assert app.return_code in (0, None)
