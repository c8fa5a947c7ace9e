"""The `run` and `runs` commands as a user meets them: one clear line on bad input, watch mode."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from osmo_tui.cli.main import main


def test_run_with_a_missing_file_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "nope.yaml", "--headless"]) == 2
    err = capsys.readouterr().err
    assert err == "osmo-tui: no such workflow file: nope.yaml\n"


def test_runs_lists_an_empty_store_and_rejects_an_unknown_id(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["runs"]) == 0
    assert "no runs in" in capsys.readouterr().err
    assert main(["runs", "replay", "nope"]) == 2
    assert "no run 'nope'" in capsys.readouterr().err


def test_bad_speed_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wf = tmp_path / "w.yaml"
    wf.write_text(
        "workflow:\n  name: w\n  tasks:\n  - name: a\n    image: alpine\n    command: [sh]\n"
    )
    # checked when the flags are parsed, before anything loads or runs
    code = main(["run", str(wf), "--speed", "fast", "--no-watch", "--paused"])
    assert code == 2
    assert (
        "argument --speed: must be 1x, 10x, 100x or instant, not 'fast'" in capsys.readouterr().err
    )


def _watching(wf: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    """`run FILE --headless --watch` in its own process, once it says it is watching."""
    argv = [sys.executable, "-m", "osmo_tui.cli.main", "run", str(wf), "--headless", "--watch"]
    proc = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        while "watching" not in line:
            assert line, "the watch loop ended early"
            line = proc.stderr.readline()
    except BaseException:
        proc.kill()
        raise
    time.sleep(0.3)  # the watcher is armed
    return proc


@pytest.mark.slow
def test_headless_watch_reruns_on_save_and_prints_what_changed(tmp_path: Path) -> None:
    wf = tmp_path / "w.yaml"
    body = "workflow:\n  name: w\n  tasks:\n  - name: a\n    image: alpine\n    command: [sh, -c, 'sleep {n}']\n"
    wf.write_text(body.format(n=1))
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = _watching(wf, env)
    try:
        assert proc.stderr is not None
        wf.write_text(body.format(n=2))
        changed = proc.stderr.readline()
        assert "w.yaml changed: 1 task changed (a)" in changed
    finally:
        proc.terminate()
        proc.wait(timeout=10)


BUG_ON_SECOND_LOAD = """\
import simulator.run.reload as reload_module

_real, _calls = reload_module.prepare, []


def _prepare(request):
    _calls.append(1)
    if len(_calls) == 2:
        raise RuntimeError("a bug in the loader")
    return _real(request)


reload_module.prepare = _prepare
"""


@pytest.mark.slow
def test_headless_watch_survives_an_internal_error_in_a_reload(tmp_path: Path) -> None:
    """The second load raises (a stand-in bug, injected by a sitecustomize module into the real
    process): one line says so, and the third save is run as usual."""
    wf = tmp_path / "w.yaml"
    body = "workflow:\n  name: w\n  tasks:\n  - name: a\n    image: alpine\n    command: [sh, -c, 'sleep {n}']\n"
    wf.write_text(body.format(n=1))
    inject = tmp_path / "inject"
    inject.mkdir()
    (inject / "sitecustomize.py").write_text(BUG_ON_SECOND_LOAD)
    path = os.pathsep.join([str(inject), os.environ.get("PYTHONPATH", "")])
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": path}
    proc = _watching(wf, env)
    try:
        assert proc.stderr is not None
        wf.write_text(body.format(n=2))
        assert "w.yaml changed: invalid" in proc.stderr.readline()
        error = proc.stderr.readline()
        assert "internal error: RuntimeError('a bug in the loader')" in error
        time.sleep(0.3)
        wf.write_text(body.format(n=3))
        assert "w.yaml changed: 1 task changed (a)" in proc.stderr.readline()
        assert proc.poll() is None  # still watching
    finally:
        proc.terminate()
        proc.wait(timeout=10)


async def _record_one_run(path: Path) -> None:
    import math

    from osmo_tui.app.app import make_app
    from simulator.run import RunRequest
    from tests.tui.conftest import settle

    app = make_app(RunRequest(path=path), speed=math.inf, keymap={})
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)


def test_a_run_recorded_by_the_app_replays_with_the_same_graph_and_events(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import asyncio

    from simulator.engine.snapshot import RunSnapshot, fold
    from simulator.run.replay import prepare_replay
    from tests.conftest import EXAMPLES

    asyncio.run(_record_one_run(EXAMPLES / "train_pipeline.yaml"))
    assert main(["runs"]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert listing[0].split() == ["ID", "WORKFLOW", "BACKEND", "STATUS", "STARTED"]
    assert "train-pipeline" in listing[1] and "COMPLETED" in listing[1]
    prepared, events = prepare_replay("latest")
    plan = prepared.plan
    assert "master" in plan.tasks and plan.groups["train"].upstream == ("text", "images")
    snap = RunSnapshot.from_plan(plan)
    for event in events:
        fold(snap, event)
    assert snap.finished and str(snap.status) == "COMPLETED"


def test_a_replay_opens_at_the_start_and_plays() -> None:
    from osmo_tui.cli.main import build_parser

    args = build_parser().parse_args(["runs", "replay", "latest"])
    assert (args.speed, args.paused) == (10.0, False)
