"""A run whose process was killed: `osmo-tui runs` says so (and where the store is), and its
replay ends UNKNOWN with the reason, never RUNNING for ever."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from osmo_tui.app.app import make_app
from osmo_tui.cli.main import main
from simulator.run.replay import prepare_replay
from simulator.run.workflows import liveness
from simulator.runs import RunStore
from tests.conftest import EXAMPLES, ROOT
from tests.tui.conftest import settle
from tests.tui.screen_text import screen_text

KILLED = """
import os, signal, sys
from pathlib import Path
from simulator.run import RunRequest, prepare, start
execution = start(prepare(RunRequest(path=Path(sys.argv[1]))))
for _ in range(2):
    execution.absorb(execution.run.step())
print(os.getpid(), flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def killed_run() -> int:
    """Record a few steps of a real run in a real process, then SIGKILL it; its pid."""
    proc = subprocess.run(
        [sys.executable, "-c", KILLED, str(EXAMPLES / "serial.yaml")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=os.environ,
        check=False,
    )
    assert proc.returncode == -9, proc.stderr
    return int(proc.stdout.split()[0])


def test_runs_marks_a_killed_run_unknown_with_its_process_and_shows_the_store(
    capsys: pytest.CaptureFixture[str],
) -> None:
    pid = killed_run()
    [info] = RunStore().list()
    assert info.status == "RUNNING" and info.pid == pid  # what the dead process left
    assert liveness(info) == ("UNKNOWN", f"process {pid} gone")
    assert main(["runs"]) == 0
    out, err = capsys.readouterr()
    assert f"UNKNOWN: process {pid} gone" in out.splitlines()[1]
    assert f"run store: {os.environ['OSMO_TUI_RUNS_DIR']} (from $OSMO_TUI_RUNS_DIR)" in err


def test_runs_says_the_store_follows_the_working_directory(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("OSMO_TUI_RUNS_DIR")
    monkeypatch.chdir(tmp_path)
    assert main(["runs"]) == 0
    err = capsys.readouterr().err
    assert f"run store: {tmp_path / '.osmo-tui' / 'runs'} (./.osmo-tui/runs relative" in err


@pytest.mark.anyio
async def test_the_replay_of_a_killed_run_ends_unknown_not_running() -> None:
    pid = killed_run()
    prepared, events = prepare_replay("latest")
    app = make_app(prepared=prepared, replay_events=events, speed=math.inf, keymap={})
    app.session.recorded_end = f"process {pid} gone"
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.pause(0.2)
        header = screen_text(app).splitlines()[:2]
        assert "? UNKNOWN" in header[0] and "RUNNING" not in header[0]
        assert f"process {pid} gone" in header[1]
