"""The app's way into a running Docker task: `p` forwards a local port to it (shown in the task's
detail, stopped by `p`), `s` opens a shell in it with the app suspended (a real terminal: the app
runs in a pty) and comes back to the app when the shell exits."""

from __future__ import annotations

import asyncio
import os
import pty
import re
import select
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from osmo_tui.app.app import make_app
from osmo_tui.app.widgets.task_detail import TaskDetail
from simulator.backends.docker.options import DockerOptions
from simulator.engine.status import TaskStatus
from simulator.run import RunRequest
from simulator.runs import RunStore
from tests.backends.attach import _free_port, _port_free, _read_until, close_pty_child
from tests.docker.conftest import leftovers
from tests.docker.test_attach import IMAGE
from tests.docker.test_workflow_verbs import VERB
from tests.tui.conftest import settle, wait_for

pytestmark = [pytest.mark.docker]

WEB = f"""
workflow:
  name: appweb
  resources:
    default: {{cpu: 1, memory: 256Mi}}
  tasks:
  - name: web
    image: {IMAGE}
    command: [sh, -c, 'mkdir -p /www; echo hello-from-web > /www/index.html; httpd -f -p 8080 -h /www']
"""


def _get(port: int) -> bytes:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as answer:
        return bytes(answer.read())


@pytest.mark.anyio
async def test_p_forwards_a_port_from_the_task_detail(docker_client: Any, tmp_path: Path) -> None:
    path = tmp_path / "web.yaml"
    path.write_text(WEB)
    request = RunRequest(path=path, backend=DockerOptions(grace_period=1, pull_policy="never"))
    app = make_app(request, keymap={})
    port = _free_port()
    async with app.run_test(size=(120, 40)) as pilot:

        def running() -> bool:
            snap = app.session.snapshot
            return snap is not None and snap.tasks["web"].status is TaskStatus.RUNNING

        await wait_for(pilot, running, timeout=120)
        screen = app.main_screen
        screen.selected = "web"
        await pilot.press("5", "p")
        await pilot.pause(0.2)
        await pilot.press(*f"{port}:8080", "enter")
        await wait_for(pilot, lambda: screen.attach.forward is not None, timeout=30)
        assert await asyncio.to_thread(_get, port) == b"hello-from-web\n"
        await pilot.pause(0.3)
        info = str(app.main_screen.query_one("#task-info").render())
        assert f"forward Forwarding from 127.0.0.1:{port} -> 8080  (p stops)" in info
        await pilot.press("p")
        await wait_for(pilot, lambda: screen.attach.forward is None, timeout=30)
        assert _port_free(port)
        assert screen.query_one(TaskDetail).note == ""
        await pilot.press("c")  # cancel the run (confirmed): the app then removes its containers
        await pilot.pause(0.3)
        await pilot.press("y")
        await settle(pilot, timeout=60)
        snap = app.session.snapshot
        assert snap is not None and snap.tasks["web"].status is TaskStatus.FAILED_CANCELED
        run_dir = app.session.run_dir
    assert run_dir is not None
    assert leftovers(docker_client, run_dir.name) == []


def _screen_until(fd: int, token: bytes, timeout: float = 60) -> bytes:
    """What the terminal shows (escape sequences dropped) until `token` (b"": for `timeout`)."""
    seen, deadline = b"", time.monotonic() + timeout
    while time.monotonic() < deadline:
        if select.select([fd], [], [], 0.2)[0]:
            try:
                seen += os.read(fd, 65536)
            except OSError:
                break
            text = re.sub(rb"\x1b\[[0-9;?<>]*[a-zA-Z~]", b"", seen)
            if token and token in text:
                return text
    if token:
        raise AssertionError(f"no {token!r} on the screen: ...{seen[-300:]!r}")
    return seen


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def test_s_opens_a_shell_in_the_task_and_returns_to_the_app(
    docker_client: Any, tmp_path: Path
) -> None:
    (tmp_path / "web.yaml").write_text(WEB)
    pid, fd = pty.fork()
    if pid == 0:  # the app, on a real terminal
        os.chdir(tmp_path)
        os.environ["TERM"] = "xterm-256color"
        os.execv(VERB[0], [*VERB[:-1], "run", "web.yaml", "--backend", "docker"])
    try:
        import fcntl
        import struct
        import termios

        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        _screen_until(fd, b"RUNNING", timeout=120)
        for key in (b"2", b"\r", b"5"):  # the task table, select its only task, its detail
            os.write(fd, key)  # (in the table `s` sorts)
            _screen_until(fd, b"", timeout=1.5)
        os.write(fd, b"s")
        _screen_until(fd, b"a shell in task web (exit it to return to the app)")
        _screen_until(fd, b"# ")
        os.write(fd, b"echo MARK-$((6*7)); exit 4\r")
        _screen_until(fd, b"MARK-42")
        _screen_until(fd, b"Shell in web exited with 4")  # the app is back and says so
        os.write(fd, b"c")  # cancel the run (confirmed; its containers go), then quit
        _screen_until(fd, b"", timeout=1.5)
        os.write(fd, b"y")
        _screen_until(fd, b"FAILED_CANCELED")
        os.write(fd, b"q")
        _read_until(fd, b"", timeout=60)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
    finally:
        close_pty_child(pid, fd)
    (run,) = RunStore().list()  # the test's own store ($OSMO_TUI_RUNS_DIR)
    assert run.workflow_id == "appweb-1" and leftovers(docker_client, run.id) == []
