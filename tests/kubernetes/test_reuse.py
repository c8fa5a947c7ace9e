"""Reuse of finished groups on the test cluster's real node: outputs kept and restored on the
data PVC, images identified by the local registry's digests (docs/reuse.md)."""

from __future__ import annotations

import asyncio
import textwrap
from pathlib import Path
from typing import Any

import pytest

from simulator.run import prepare, start
from simulator.run.request import RunRequest
from tests.kubernetes.conftest import RealNode

pytestmark = [pytest.mark.kubernetes, pytest.mark.slow]

CHAIN = """
workflow:
  name: kchain
  groups:
  - name: g1
    tasks:
    - name: t1
      image: busybox:1.36
      command: [sh, -c, 'echo first; echo A > {{output}}/a.txt']
  - name: g2
    tasks:
    - name: t2
      image: busybox:1.36
      command: [sh, -c, 'echo second; cp {{input:0}}/a.txt {{output}}/b.txt; echo 2 >> {{output}}/b.txt']
      inputs: [{task: t1}]
  - name: g3
    tasks:
    - name: t3
      image: busybox:1.36
      command: [sh, -c, 'echo third; cat {{input:0}}/b.txt; LAST']
      inputs: [{task: t2}]
"""


def run(node: RealNode, path: Path) -> tuple[dict[str, Any], Path]:
    options = node.options(image_registry="127.0.0.1:5000")
    execution = start(prepare(RunRequest(path=path, backend=options, reuse=True)))
    report = asyncio.run(asyncio.wait_for(execution.run_to_end(), timeout=300))
    assert execution.run_dir is not None
    return report, execution.run_dir


def test_edit_the_last_step_runs_only_the_last_step(real_node: RealNode, tmp_path: Path) -> None:
    path = tmp_path / "wf.yaml"
    path.write_text(textwrap.dedent(CHAIN.replace("LAST", "true")))
    first, first_dir = run(real_node, path)
    assert first["workflow"]["status"] == "COMPLETED", first
    assert {t["reused_from"] for t in first["tasks"].values()} == {None}

    path.write_text(textwrap.dedent(CHAIN.replace("LAST", "echo edited")))
    second, second_dir = run(real_node, path)
    assert second["workflow"]["status"] == "COMPLETED", second
    reused = {name: t["reused_from"] for name, t in second["tasks"].items()}
    assert reused == {"t1": first_dir.name, "t2": first_dir.name, "t3": None}
    # t3 read t2's output, restored on the PVC for this run
    log = (second_dir / "logs" / "t3.log").read_text().splitlines()
    assert [line for line in log if not line.startswith("[osmo]")] == ["third", "A", "2", "edited"]
    assert (second_dir / "logs" / "t1.log").read_text() == (
        first_dir / "logs" / "t1.log"
    ).read_text()
