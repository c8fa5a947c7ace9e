"""Workflow ids stay unique while several runs are live: the run store hands out `<name>-N`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from simulator.runs import RunStore

WORKFLOW = """
workflow:
  name: ids
  groups:
  - name: g
    tasks:
    - {name: t, image: alpine:3.18, command: [sh, -c, "echo {{workflow_id}}"]}
"""


def _simulate(path: Path, *flags: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "osmo_tui.cli.main", "simulate", str(path), "--json", *flags],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=dict(os.environ),
    )


def test_concurrent_runs_get_distinct_ids_and_the_spec_sees_its_own(tmp_path: Path) -> None:
    path = tmp_path / "ids.yaml"
    path.write_text(WORKFLOW)
    procs = [_simulate(path) for _ in range(3)]
    for proc in procs:
        assert proc.wait(timeout=120) == 0
    runs = RunStore().list()
    assert sorted(r.workflow_id for r in runs) == ["ids-1", "ids-2", "ids-3"]
    for run in runs:  # the id reached the tokens too: the plan was built with it
        assert (run.path / "logs" / "t.log").read_text().strip() == run.workflow_id


def test_a_number_is_never_reused_and_no_record_stays_at_one(tmp_path: Path) -> None:
    store = RunStore()
    assert [store.claim_workflow_id("ids") for _ in range(2)] == ["ids-1", "ids-2"]
    path = tmp_path / "ids.yaml"
    path.write_text(WORKFLOW)
    out, _ = _simulate(path, "--no-record").communicate(timeout=120)
    assert json.loads(out)["tasks"]["t"]["status"] == "COMPLETED"
    assert store.claim_workflow_id("ids") == "ids-3"
    assert not [p for p in store.root.iterdir() if p.is_dir()]
