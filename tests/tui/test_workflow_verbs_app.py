"""A run shown in the app answers `osmo-tui workflow` verbs from another process, like a headless one."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from osmo_tui.app.app import make_app
from simulator.engine.status import WorkflowStatus
from simulator.run import RunRequest
from simulator.run.control import SOCKET_NAME
from tests.tui.conftest import wait_for

pytestmark = pytest.mark.anyio

WORKFLOW = """
workflow:
  name: shown
  groups:
  - name: g
    tasks:
    - {name: slow, image: alpine:3.18, command: [sh, -c, "echo hi; sleep 600"]}
"""


def _verb(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "osmo_tui.cli.main", "workflow", *args],
        env=dict(os.environ), stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip


async def test_query_and_cancel_a_run_shown_in_the_app(tmp_path: Path) -> None:
    path = tmp_path / "shown.yaml"
    path.write_text(WORKFLOW)
    app = make_app(RunRequest(path=path), speed=1.0, keymap={})
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.session.execution is not None, timeout=10)
        execution = app.session.execution
        assert execution is not None and execution.run_dir is not None
        run_dir = execution.run_dir
        await wait_for(pilot, lambda: (run_dir / SOCKET_NAME).exists(), timeout=10)
        query = await asyncio.to_thread(_verb, "query", "shown-1", "-t", "json")
        answer = json.loads(query.stdout)
        assert answer["live"] is True and answer["run_id"] == run_dir.name
        cancel = await asyncio.to_thread(_verb, "cancel", "shown-1")
        assert cancel.returncode == 0, cancel.stderr
        snap = app.session.snapshot
        assert snap is not None
        await wait_for(pilot, lambda: snap.finished, timeout=20)
        assert snap.status is WorkflowStatus.FAILED_CANCELED
        await wait_for(pilot, lambda: not (run_dir / SOCKET_NAME).exists(), timeout=10)
    ended = json.loads(_verb("query", "shown-1", "-t", "json").stdout)
    assert ended["live"] is False and ended["workflow"]["status"] == "FAILED_CANCELED"
