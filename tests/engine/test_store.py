"""The run store: directories that survive the run, found again by id, substring or `latest`."""

from __future__ import annotations

import json

import pytest

from simulator.backends.sim import SimRun
from simulator.errors import UsageError
from simulator.runs import RunStore, log_name
from tests.engine.plans import make_plan


def record(store: RunStore, scenario_logs: bool = True) -> str:
    from simulator.backends.scenario import parse_scenario

    plan = make_plan({"g": ["t"]})
    recorder = store.create(plan, backend="sim", spec="workflow: {name: wf}\n", source="/x/wf.yaml")
    scenario = parse_scenario("tasks: {t: {logs: [a, b], exit_code: 3, duration: 3}}")
    recorder.record_many(SimRun(plan, scenario).run_to_end())
    recorder.close()  # no finish(): the recorder folded the events and writes the report itself
    recorder.close()  # idempotent
    return recorder.info.id


def test_a_recorded_run_has_everything(tmp_path) -> None:
    store = RunStore(tmp_path)
    run_id = record(store)
    path = tmp_path / run_id
    assert sorted(p.name for p in path.iterdir()) == [
        "events.jsonl",
        "logs",
        "meta.json",
        "report.json",
        "spec.yaml",
    ]
    meta = json.loads((path / "meta.json").read_text())
    assert (
        meta["status"] == "FAILED" and meta["backend"] == "sim" and meta["source"] == "/x/wf.yaml"
    )
    report = json.loads((path / "report.json").read_text())
    assert report["tasks"]["t"]["exit_code"] == 3
    assert (path / "logs" / "t.log").read_text() == "a\nb\n"
    loaded = store.load(run_id)
    assert loaded.events[-1].kind == "run_finished" and loaded.spec.startswith("workflow:")


def test_runs_are_found_by_id_substring_or_latest(tmp_path) -> None:
    store = RunStore(tmp_path)
    first, second = record(store), record(store)
    assert first != second and [r.id for r in store.list()] == [first, second]
    assert store.resolve("latest").name == second
    assert store.resolve(second).name == second
    with pytest.raises(UsageError, match="matches 2 runs"):
        store.resolve("wf-1")
    with pytest.raises(UsageError, match="no run 'nope'"):
        store.resolve("nope")


def test_log_names_per_attempt() -> None:
    assert log_name("train", 0) == "train.log"
    assert log_name("train", 2) == "train.retry-2.log"


def test_unwritable_store_is_one_clear_error(tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(UsageError, match="cannot write the run store"):
        RunStore(blocker / "runs").create(make_plan({"g": ["t"]}), backend="sim", spec="")
