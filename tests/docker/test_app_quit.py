"""Quitting the app during a live Docker run leaves nothing running: the run's containers and
network are removed before the app exits, and the record says the run was abandoned. The app
keeps drawing and answering keys while that close runs; a second quit leaves at once and says
what it left behind."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest

from osmo_tui.app.app import OsmoApp, make_app
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
STUBBORN = f"""
workflow:
  name: stubborn
  tasks:
  - name: nap
    image: {IMAGE}
    command: [sh, -c, "trap '' TERM; echo napping; while true; do sleep 1; done"]
"""
"""Ignores SIGTERM: its stop takes the whole grace period, then a kill."""
GRACE = 6


def _app(tmp_path: Path, text: str, grace: int) -> OsmoApp:
    path = tmp_path / "workflow.yaml"
    path.write_text(text)
    request = RunRequest(path=path, backend=DockerOptions(grace_period=grace, pull_policy="never"))
    return make_app(request, keymap={})


async def _running(pilot: Any, app: OsmoApp) -> str:
    def running() -> bool:
        snap = app.session.snapshot
        return snap is not None and snap.tasks["nap"].status is TaskStatus.RUNNING

    await wait_for(pilot, running, timeout=120)
    return str(app.session.run.realtime.backend._run_id)  # type: ignore[union-attr]


async def _exited(app: OsmoApp, timeout: float) -> float:
    """Seconds until the app has exited on its own."""
    started = time.monotonic()
    while app.is_running:
        assert time.monotonic() - started < timeout, "the app did not exit"
        await asyncio.sleep(0.05)
    return time.monotonic() - started


@pytest.mark.parametrize("key", ["q", "ctrl+q"])
async def test_quit_during_a_live_run_removes_its_containers_first(
    docker_client: Any, tmp_path: Path, key: str
) -> None:
    app = _app(tmp_path, SLEEPER, grace=1)
    async with app.run_test(size=(120, 40)) as pilot:
        run_id = await _running(pilot, app)
        assert leftovers(docker_client, run_id)  # its container is there while it runs
        await pilot.press(key)
        await _exited(app, timeout=90)
    # the app has exited: nothing of the run is left, and no coroutine was dropped on the way
    assert leftovers(docker_client, run_id) == []
    assert app.return_code in (0, None)


async def test_the_app_keeps_answering_while_the_run_is_closed(
    docker_client: Any, tmp_path: Path
) -> None:
    """A task that ignores SIGTERM holds the close for the whole grace period: meanwhile the
    app says what it is doing, switches tabs on a key, and starts no new run (r)."""
    from textual.widgets import TabbedContent

    app = _app(tmp_path, STUBBORN, grace=GRACE)
    async with app.run_test(size=(120, 40)) as pilot:
        run_id = await _running(pilot, app)
        runs = app.main_screen.runs.run_count
        await pilot.press("q")
        await wait_for(
            pilot, lambda: any("Stopping the run" in n.message for n in app._notifications)
        )
        await pilot.press("2")
        await wait_for(pilot, lambda: app.main_screen.query_one(TabbedContent).active == "tasks")
        await pilot.press("r")
        assert app.is_running  # still closing: the grace period has not passed
        assert app.main_screen.runs.run_count == runs  # no new run while quitting
        took = await _exited(app, timeout=90)
    assert took > 1.0  # it did wait for the stubborn container
    assert leftovers(docker_client, run_id) == []


async def test_a_second_quit_leaves_at_once_and_says_how_to_clean_up(
    docker_client: Any, tmp_path: Path
) -> None:
    app = _app(tmp_path, STUBBORN, grace=GRACE * 5)
    run_id = ""
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            run_id = await _running(pilot, app)
            await pilot.press("q")
            await wait_for(pilot, lambda: app.main_screen.runs.quitting)
            await pilot.press("q")
            took = await _exited(app, timeout=20)
        assert took < GRACE  # far less than the grace period the first quit waits for
        assert app.exit_note == (  # `osmo-tui run` prints it on stderr once the app is gone
            "osmo-tui: quit before the run's docker objects were removed; "
            "`osmo-tui gc --backend docker` removes them"
        )
    finally:  # what the second quit left: remove it as gc would
        from simulator.backends.docker import gc

        found = gc.find_leftovers(docker_client, run=run_id) if run_id else []
        gc.remove_leftovers(docker_client, found)
