"""The pool's per-node rules against a cluster's nodes: KWOK node documents, then the real plane."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import yaml

from simulator.backends.kubernetes import KubernetesBackend
from simulator.backends.kubernetes.fit import cluster_problems
from simulator.backends.kubernetes.inventory import Inventory, node_info, placements
from simulator.backends.kubernetes.options import KubeOptions
from simulator.errors import BackendError
from simulator.pool.config import PlatformConfig, PoolConfig
from tests.conftest import ROOT
from tests.kubernetes.conftest import Cluster
from tests.kubernetes.helpers import plan, task

POOL = PoolConfig(
    platforms={
        "x86": PlatformConfig(arch="amd64"),
        "dgx": PlatformConfig(
            arch="amd64", gpus=8, node_selector={"nvidia.com/gpu.present": "true"}
        ),
        "lab": PlatformConfig(arch="amd64", node_selector={"type": "real"}),
    }
)


def kwok_inventory() -> Inventory:
    """The local control plane's fake nodes, from the very documents scripts/k8s/up.sh creates."""
    docs = yaml.safe_load_all((ROOT / "scripts" / "k8s" / "nodes.yaml").read_text())
    inv = Inventory(visible=True)
    for info in map(node_info, docs):
        inv.nodes[info.name] = info
    return inv


def problems(*tasks: object) -> list[str]:
    p = plan(("g", list(tasks)))
    used = {t.resource.platform or "" for t in p.tasks.values()}
    return cluster_problems(p, POOL, kwok_inventory(), placements(POOL, used)[0])


def test_node_allocatable_feeds_the_k8_tokens() -> None:
    info = kwok_inventory().nodes["kwok-amd64-0"]
    assert info.allocatable["cpu"] == "16" and info.allocatable["ephemeral-storage"] == "200Gi"
    assert problems(task("t", "g", lead=True, platform="x86", cpu=16)) == []


def test_too_much_for_every_node_is_refused_with_osmos_table() -> None:
    (text,) = problems(task("t", "g", lead=True, platform="x86", cpu=200))
    lines = text.splitlines()
    assert lines[0] == "Resource validation failed for task: t"
    # the amd64 nodes, CPU-only and GPU ones alike (x86 selects only kubernetes.io/arch)
    assert [line.split()[0] for line in lines[3:-1]] == [
        n for n in sorted(kwok_inventory().nodes) if n != "kwok-arm64-0"
    ]
    assert all(line.endswith("Value 200.0 too high for CPU") for line in lines[3:-1])
    assert lines[-1] == 'Please check available resources with "osmo resource list".'


def test_a_platform_without_matching_nodes() -> None:
    assert problems(task("t", "g", lead=True, platform="dgx", gpu=8)) == []
    assert problems(task("t", "g", lead=True, platform="lab")) == [
        "There are no resources in platform lab and pool local!"
    ]


@pytest.mark.kubernetes
def test_backend_refuses_on_the_real_cluster(
    kube_cluster: Cluster, namespace: str, tmp_path: Path
) -> None:
    p = plan(("g", [task("t", "g", lead=True, platform="x86", cpu=640)]))
    backend = KubernetesBackend(
        KubeOptions(kubeconfig=kube_cluster.kubeconfig, namespace=namespace, check_pool_rules=True),
        pool=POOL,
    )
    try:
        with pytest.raises(BackendError, match=r"Value 640\.0 too high for CPU"):
            asyncio.run(backend.prepare(p, tmp_path, lambda e: None))
    finally:
        asyncio.run(backend.close())
