"""The app's plain-Python parts: playback pacing, scrub positions, key config, plan diffs."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from osmo_tui.app.keys import load_keymap
from osmo_tui.app.playback import Playback, scrub_index
from simulator.engine.events import RunStarted, TaskLog
from simulator.errors import UsageError
from simulator.watch import diff_tasks


def test_playback_maps_virtual_time_to_wall_time_by_speed() -> None:
    pb = Playback(speed=10.0)
    pb.anchor(wall=100.0, virtual=0.0)
    assert pb.due_in(50.0, wall=100.0) == pytest.approx(5.0)  # 50 virtual s at 10x
    assert pb.change_speed(1) == 100.0 and pb.due_in(50.0, wall=100.0) == pytest.approx(0.5)
    assert math.isinf(pb.change_speed(5)) and pb.due_in(1e9, wall=0.0) == 0.0
    assert pb.change_speed(-9) == 1.0


def test_pause_allows_exactly_the_requested_steps() -> None:
    pb = Playback(speed=1.0, paused=True)
    assert not pb.may_step
    pb.steps_requested = 2
    assert pb.may_step and pb.due_in(1e6, wall=0.0) == 0.0  # a step never waits
    pb.stepped()
    pb.stepped()
    assert not pb.may_step


def test_scrub_moves_by_time_points() -> None:
    events = [RunStarted(0, "w", "w-1", "sim")] + [
        TaskLog(t, "a", 0, str(t)) for t in (1.0, 1.0, 2.0, 5.0)
    ]
    assert scrub_index(events, 5, -1) == 4  # before the t=5 point
    assert scrub_index(events, 4, -1) == 3  # before t=2
    assert scrub_index(events, 3, -1) == 1  # before both t=1 events
    assert scrub_index(events, 0, -1) == 0
    assert scrub_index(events, 1, 1) == 3  # through both t=1 events
    assert scrub_index(events, 5, 1) == 5


def test_keymap_overrides_and_errors(tmp_path: Path) -> None:
    assert load_keymap(tmp_path) == {}
    (tmp_path / "keys.yaml").write_text("keys:\n  quit: ctrl+q\n")
    assert load_keymap(tmp_path) == {"osmo.quit": "ctrl+q"}
    (tmp_path / "keys.toml").write_text('[keys]\nexplode = "x"\n')
    with pytest.raises(UsageError, match="unknown action 'explode'"):
        load_keymap(tmp_path)
    (tmp_path / "keys.toml").write_text("[keys\n")
    with pytest.raises(UsageError, match=r"keys\.toml"):
        load_keymap(tmp_path)


def test_diff_summary_names_added_removed_and_changed_tasks() -> None:
    diff = diff_tasks({"a": 1, "b": 2, "c": 3}, {"a": 1, "b": 20, "d": 4})
    assert (diff.added, diff.removed, diff.changed) == (("d",), ("c",), ("b",))
    assert diff.summary() == "1 task added (d); 1 task removed (c); 1 task changed (b)"
    assert diff_tasks({"a": 1}, {"a": 1}).summary() == "no task changed"


def test_the_virtual_clock_freezes_on_pause_and_resumes_from_there() -> None:
    pb = Playback(speed=10.0)
    pb.anchor(wall=0.0, virtual=0.0)
    assert pb.position(wall=1.5, now=0.0, next_time=100.0) == 15.0
    assert pb.position(wall=20.0, now=0.0, next_time=100.0) == 100.0  # never past the next event
    pb.retime(wall=1.5, now=0.0, next_time=100.0)
    pb.paused = True
    assert pb.position(wall=9.0, now=0.0, next_time=100.0) == 15.0
    pb.retime(wall=9.0, now=0.0, next_time=100.0)
    pb.paused = False
    assert pb.position(wall=10.0, now=0.0, next_time=100.0) == 25.0
    assert pb.due_in(100.0, wall=10.0) == 7.5


def test_log_buffer_keeps_the_tail_and_counts_what_it_dropped() -> None:
    from osmo_tui.app.session import LogBuffer

    logs = LogBuffer(limit=3)
    for i in range(5):
        logs.add(TaskLog(float(i), "a", 0, f"line {i}"))
    assert logs.get("a") == ["line 2", "line 3", "line 4"]
    assert logs.get_with_note("a", "/runs/x/logs/a.log")[0] == (
        "… 2 earlier lines not kept in memory (all of it: /runs/x/logs/a.log)"
    )
    assert logs.since("a", 4) == (["line 4"], 5)
    assert logs.since("a", 0) == (["line 2", "line 3", "line 4"], 5)  # older ones are on disk
    logs.add(TaskLog(5.0, "a", 1, "again", stream="stderr"))
    assert logs.since("a", 5) == (["[1] ! again"], 6)
