"""The backend conformance suite on the real control plane: same workflows, same outcomes.

KWOK pods run nothing; the project's KWOK stages end each pod with the duration and exit code
its script announces (read exactly as the simulator reads it), while the real kube-scheduler
places the pods and the shared engine drives the run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from simulator.backends.kubernetes import KubernetesBackend
from simulator.backends.kubernetes.options import KubeOptions
from tests.backends.contract import BackendContract, run_realtime
from tests.kubernetes.conftest import Cluster

pytestmark = pytest.mark.kubernetes


class TestKubernetesContract(BackendContract):
    @pytest.fixture(autouse=True)
    def _cluster(self, kube_cluster: Cluster, namespace: str) -> None:
        self.kubeconfig = kube_cluster.kubeconfig
        self.namespace = namespace
        self.core = kube_cluster.core()

    def run_plan(self, plan: Any, tmp_path: Path) -> dict[str, Any]:
        backend = KubernetesBackend(
            KubeOptions(kubeconfig=self.kubeconfig, namespace=self.namespace)
        )
        report = run_realtime(plan, backend, tmp_path, timeout=120)
        # whatever the outcome, the run leaves nothing behind
        left = self.core.list_namespaced_pod(
            self.namespace, label_selector=f"osmo-tui/run={backend.run_id}"
        )
        assert all(p.metadata.deletion_timestamp for p in left.items)
        return report
