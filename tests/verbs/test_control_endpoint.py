"""The control endpoint in-process: a real socket served on the run's loop, a real client."""

from __future__ import annotations

import asyncio
import os
import stat
from pathlib import Path

import pytest

from simulator.run import Cancel, RunRequest, prepare, start
from simulator.run.control import SOCKET_NAME, socket_address
from simulator.run.control_client import ask, is_live, stream

WORKFLOW = """
workflow:
  name: ctl
  groups:
  - name: g
    tasks:
    - {name: a, lead: true, image: alpine:3.18, command: [sh, -c, "echo one; echo two; sleep 30"]}
    - {name: b, image: alpine:3.18, command: [sh, -c, "sleep 60"]}
"""


async def _serve_and_ask(path: Path) -> None:
    execution = start(prepare(RunRequest(path=path)))
    run_dir = execution.run_dir
    assert run_dir is not None
    asked: list[Cancel] = []
    await execution.open_control(asked.append)
    address = socket_address(run_dir)
    assert address is not None
    assert stat.S_IMODE(os.stat(address).st_mode) == 0o600
    while not execution.run.finished and "two" not in _logged(run_dir):
        execution.absorb(execution.run.step())
    answer = await asyncio.to_thread(ask, run_dir, {"op": "query"})
    assert answer["live"] is True and answer["workflow_id"] == "ctl-1"
    assert answer["tasks"]["a"]["status"] == "RUNNING"
    assert answer["run_id"] == run_dir.name
    lines = await asyncio.to_thread(lambda: list(stream(run_dir, {"op": "logs", "task": "a"})))
    assert lines == [{"line": "one"}, {"line": "two"}, {"ok": True, "end": True}]
    spec = await asyncio.to_thread(ask, run_dir, {"op": "spec"})
    assert "name: ctl" in spec["spec"]
    await asyncio.to_thread(ask, run_dir, {"op": "cancel", "scope": "task", "name": "b"})
    assert asked == [Cancel("task", "b", "Canceled with osmo-tui workflow cancel")]
    with pytest.raises(Exception, match="unknown request"):
        await asyncio.to_thread(ask, run_dir, {"op": "reboot"})
    with pytest.raises(Exception, match=r"^no container: the simulator runs no tasks$"):
        await asyncio.to_thread(ask, run_dir, {"op": "locate", "task": "a"})
    await execution.close_control()
    execution.finish()
    assert not os.path.lexists(run_dir / SOCKET_NAME) and not os.path.lexists(address)
    assert not await asyncio.to_thread(is_live, run_dir)


def _logged(run_dir: Path) -> str:
    path = run_dir / "logs" / "a.log"
    return path.read_text() if path.exists() else ""


@pytest.mark.parametrize("depth", [1, 12], ids=["short-path", "over-af-unix-limit"])
def test_endpoint_answers_and_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, depth: int
) -> None:
    root = tmp_path.joinpath(*["deeper-directory"] * depth) / "runs"
    monkeypatch.setenv("OSMO_TUI_RUNS_DIR", str(root))
    path = tmp_path / "ctl.yaml"
    path.write_text(WORKFLOW)
    asyncio.run(_serve_and_ask(path))
