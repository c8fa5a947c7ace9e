"""The same workflow and scenario end the same way on the simulator and on the cluster."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from simulator.backends.kubernetes import KubernetesBackend
from simulator.backends.kubernetes.options import KubeOptions
from simulator.backends.scenario import parse_scenario
from simulator.backends.sim import SimRun
from simulator.engine.from_spec import plan_from_spec
from simulator.engine.report import build_report
from simulator.pool.config import load_pool
from simulator.spec.loader import load_workflow
from tests.backends.contract import run_realtime
from tests.kubernetes.conftest import Cluster

pytestmark = pytest.mark.kubernetes

WORKFLOW = """\
workflow:
  name: resched
  groups:
  - name: train
    tasks:
    - name: lead
      lead: true
      image: busybox
      command: [sh, -c, "sleep 1"]
      exitActions: {RESCHEDULE: "16"}
    - name: worker
      image: busybox
      command: [sh, -c, "sleep 30"]
  - name: eval
    tasks:
    - name: judge
      image: busybox
      command: [sh, -c, "sleep 1"]
      inputs: [{task: lead}]
"""
SCENARIO = """\
tasks:
  lead:
    attempts:
    - {exit_code: 16, duration: 1}
    - {exit_code: 0, duration: 1.5}
  judge: {status: FAILED_EVICTED, duration: 0.5}
"""


def _outcome(report: dict[str, Any]) -> dict[str, Any]:
    tasks = {n: (t["status"], t["exit_code"], t["retries"]) for n, t in report["tasks"].items()}
    return {"workflow": report["workflow"]["status"], "tasks": tasks}


def test_lead_reschedule_restarts_siblings_and_eviction_matches_the_simulator(
    kube_cluster: Cluster, namespace: str, tmp_path: Path
) -> None:
    wf = tmp_path / "wf.yaml"
    wf.write_text(WORKFLOW)
    pool = load_pool(None, overrides={"max_retry_per_task": 1})
    plan = plan_from_spec(load_workflow(wf, pool=pool))
    scenario = parse_scenario(SCENARIO)
    sim = SimRun(plan, scenario, pool=pool)
    sim.run_to_end()
    expected = _outcome(build_report(sim.snapshot))
    assert expected["tasks"]["lead"] == ("COMPLETED", 0, 1)  # the scenario did what we meant
    assert expected["tasks"]["judge"] == ("FAILED_EVICTED", 3004, 0)
    backend = KubernetesBackend(
        KubeOptions(kubeconfig=kube_cluster.kubeconfig, namespace=namespace), scenario=scenario
    )
    assert _outcome(run_realtime(plan, backend, tmp_path, timeout=90)) == expected
