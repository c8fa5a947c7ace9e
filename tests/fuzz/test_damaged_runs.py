"""A damaged run in the store (broken or missing meta.json; truncated, foreign or non-UTF-8
events.jsonl) is listed as damaged with its reason while the others list as usual, and
replaying it is one line and exit 1."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from simulator.run.replay import prepare_replay as load_recorded
from simulator.runs import RunStore
from simulator.runs.reading import DamagedRun
from tests.fuzz.harness import run_cli
from tests.fuzz.kinds import recorded_run

DAMAGE = {
    "meta_not_json": ("meta.json", b'{"workflow": "w",', "meta.json:1:18: not JSON"),
    "meta_missing": ("meta.json", None, "meta.json: no such file"),
    "meta_wrong_type": ("meta.json", b'{"created": "yesterday"}', "created is not a number"),
    "events_truncated": ("events.jsonl", "cut", "truncated (no end of line)"),
    "events_foreign": ("events.jsonl", b'{"hello": "world"}\n', "not an osmo-tui event"),
    "events_not_utf8": ("events.jsonl", b'{"kind": "\xff"}\n', "events.jsonl:1:11: not UTF-8"),
    "events_wrong_field": (
        "events.jsonl",
        b'{"kind": "task_exited", "time": "soon", "task": "train", "retry": 0, "exit_code": 0}\n',
        "task_exited: time has the wrong type",
    ),
    "events_other_workflow": (
        "events.jsonl",
        b'{"kind": "task_ready", "time": 1.0, "task": "nobody", "retry": 0}\n',
        "task 'nobody' is not in the run's spec",
    ),
}


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """A store of one good run and one run per kind of damage."""
    root = tmp_path / "runs"
    shutil.copytree(recorded_run(), root / "0-good")
    for name, (file, data, _) in DAMAGE.items():
        run = root / f"1-{name}"
        shutil.copytree(recorded_run(), run)
        target = run / file
        if data is None:
            target.unlink()
        elif data == "cut":
            target.write_bytes(target.read_bytes()[:-7])
        else:
            target.write_bytes(data)
    os.environ["OSMO_TUI_RUNS_DIR"] = str(root)  # the autouse fixture restores it
    return root


def test_damaged_runs_are_listed_with_their_reason(store: Path) -> None:
    outcome = run_cli(["runs"])
    assert outcome.code == 0 and not outcome.problems(), outcome.err
    rows = {line.split()[0]: line for line in outcome.out.splitlines()[1:]}
    status = json.loads((store / "0-good" / "meta.json").read_text())["status"]
    assert "DAMAGED" not in rows["0-good"] and f" {status} " in rows["0-good"]
    listing = {run.id: run.damaged for run in RunStore(store).list()}
    for name, (_, _, reason) in DAMAGE.items():
        if not name.endswith(("wrong_field", "other_workflow")):  # found by a full read only
            assert reason in listing[f"1-{name}"] and "DAMAGED: " in rows[f"1-{name}"], name


@pytest.mark.parametrize("name", list(DAMAGE))
def test_replaying_a_damaged_run_is_one_line(store: Path, name: str) -> None:
    with pytest.raises(DamagedRun) as info:
        load_recorded(f"1-{name}")
    message = info.value.render()
    assert message.startswith(f"run 1-{name} is damaged: ") and DAMAGE[name][2] in message
    assert "\n" not in message and info.value.exit_code == 1
    outcome = run_cli(["runs", "replay", f"1-{name}"])
    assert outcome.code == 1 and outcome.err.count("\n") == 1, outcome.err


def test_the_good_run_still_loads(store: Path) -> None:
    prepared, events = load_recorded("0-good")
    plan = prepared.plan
    assert events and set(plan.tasks) == {"train", "evaluate"}
    assert not RunStore(store).load("0-good").info.damaged
