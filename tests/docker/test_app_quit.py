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


def test_the_second_quit_gives_the_shell_back_at_once(docker_client: Any, tmp_path: Path) -> None:
    """The real process in a terminal: after q q the prompt is back long before the grace
    period the backend's threads are still waiting out, the note is on the terminal, and the
    `osmo-tui gc` it names removes what was left once the process is gone."""
    import fcntl
    import os
    import pty
    import re
    import struct
    import subprocess
    import sys
    import termios
    import threading

    from simulator.backends.docker import gc

    grace = 120
    path = tmp_path / "workflow.yaml"
    path.write_text(STUBBORN)
    env = {**os.environ, "OSMO_TUI_RUNS_DIR": str(tmp_path / "runs"), "TERM": "xterm-256color"}
    command = [sys.executable, "-m", "osmo_tui.cli.main", "run", str(path), "--backend", "docker"]
    command += ["--pull-policy", "never", "--grace-period", str(grace)]
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    proc = subprocess.Popen(
        command, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=tmp_path,
        start_new_session=True,
    )  # fmt: skip
    os.close(slave)
    screen = bytearray()

    def drain() -> None:  # the app blocks on a full terminal otherwise
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                return
            if not chunk:
                return
            screen.extend(chunk)

    threading.Thread(target=drain, daemon=True).start()

    def wait(condition: Any, what: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert proc.poll() is None, f"the app exited before {what}: {bytes(screen)[-400:]!r}"
            assert time.monotonic() < deadline, f"no {what} within {timeout:.0f} s"
            time.sleep(0.1)

    run_id = ""
    try:
        runs = tmp_path / "runs"
        wait(lambda: runs.is_dir() and any(p.is_dir() for p in runs.iterdir()), "run record")
        run_id = next(p for p in runs.iterdir() if p.is_dir()).name
        events = runs / run_id / "events.jsonl"
        wait(lambda: events.exists() and b'"task_running"' in events.read_bytes(), "running task")
        os.write(master, b"q")
        wait(lambda: b"Quitting" in screen, "'Quitting' notice")
        os.write(master, b"q")
        started = time.monotonic()
        code = proc.wait(timeout=grace)
        took = time.monotonic() - started
        assert code == 0
        assert took < grace / 4, f"the process took {took:.1f} s to end after the second q"
        text = re.sub(rb"\x1b\[[0-9;?]*[A-Za-z]", b"", bytes(screen)).decode(errors="replace")
        assert "osmo-tui: quit before the run's docker objects were removed" in text
        assert gc.find_leftovers(docker_client, run=run_id)  # left behind, as the note says
        done = subprocess.run(
            [sys.executable, "-m", "osmo_tui.cli.main", "gc", "--backend", "docker"],
            env=env, cwd=tmp_path, capture_output=True, text=True, timeout=grace,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert gc.find_leftovers(docker_client, run=run_id) == []
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, 9)
            proc.wait()
        os.close(master)
        found = gc.find_leftovers(docker_client, run=run_id) if run_id else []
        gc.remove_leftovers(docker_client, found)
