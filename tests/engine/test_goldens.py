"""Golden event logs: the simulated event stream of every example, byte for byte (syrupy).

Update after an intended change with `pytest tests/engine/test_goldens.py --snapshot-update` and
review the diff: every line is one event of the stream the TUI and `--events` consume.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

from simulator.backends.sim import SimRun
from simulator.engine.events import event_to_dict
from simulator.engine.from_spec import plan_from_spec
from simulator.spec.loader import load_workflow
from tests.conftest import EXAMPLES

POOL = EXAMPLES / "osmo-pool.yaml"
WORKFLOWS = sorted(p for p in EXAMPLES.glob("*.yaml") if p != POOL)


class JSONLinesExtension(SingleFileSnapshotExtension):
    """One `.jsonl` file per snapshot, readable in a diff."""

    _write_mode = WriteMode.TEXT
    _file_extension = "jsonl"

    def serialize(self, data: Any, **_: Any) -> str:
        return str(data)


@pytest.fixture
def golden(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return snapshot.use_extension(JSONLinesExtension)


def event_log(path: Path) -> str:
    loaded = load_workflow(path, pool_config=POOL)
    run = SimRun(plan_from_spec(loaded), pool=loaded.pool)
    events = run.run_to_end()
    return "".join(json.dumps(event_to_dict(e), separators=(",", ":")) + "\n" for e in events)


def test_examples_are_there() -> None:
    assert len(WORKFLOWS) >= 5


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.stem)
def test_example_event_log(path: Path, golden: SnapshotAssertion) -> None:
    log = event_log(path)
    assert log == event_log(path)  # deterministic before it is compared with the golden
    assert json.loads(log.splitlines()[-1])["kind"] == "run_finished"
    assert log == golden
