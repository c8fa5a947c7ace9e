"""The cookbook tutorials end on the KWOK cluster exactly as in the simulator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from simulator.backends.kubernetes import KubernetesBackend
from simulator.backends.kubernetes.options import KubeOptions
from simulator.backends.sim import SimRun
from simulator.engine.from_spec import plan_from_spec
from simulator.engine.report import build_report
from simulator.spec.loader import load_workflow
from tests.backends.contract import run_realtime
from tests.conftest import COOKBOOK
from tests.kubernetes.conftest import Cluster

pytestmark = [pytest.mark.kubernetes, pytest.mark.cookbook]
TUTORIALS = [
    "hello_world",
    "serial_workflow",
    "parallel_tasks",
    "group_tasks",
    "group_tasks_communication",
    "resources_platforms",
    "token_example",
]
"""Not combination_workflow_simple: a non-lead there ends in the same second as its lead, so
whether it exits 0 or is stopped by "Lead task finished" is a real race on any real backend."""


def _outcome(report: dict[str, Any]) -> dict[str, Any]:
    tasks = {n: (t["status"], t["exit_code"]) for n, t in report["tasks"].items()}
    return {"workflow": report["workflow"]["status"], "tasks": tasks}


@pytest.mark.parametrize("name", TUTORIALS)
def test_tutorial_matches_the_simulator(
    name: str, kube_cluster: Cluster, namespace: str, tmp_path: Path
) -> None:
    loaded = load_workflow(COOKBOOK / "tutorials" / f"{name}.yaml")
    plan = plan_from_spec(loaded)
    sim = SimRun(plan, pool=loaded.pool)
    sim.run_to_end()
    backend = KubernetesBackend(
        KubeOptions(kubeconfig=kube_cluster.kubeconfig, namespace=namespace), pool=loaded.pool
    )
    report = run_realtime(plan, backend, tmp_path, timeout=90)
    assert _outcome(report) == _outcome(build_report(sim.snapshot))
