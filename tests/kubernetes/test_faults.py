"""Faults a cluster throws at a run: a deleted node, an API server restart, a killed osmo-tui."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from typing import Any

import pytest

from simulator.backends.kubernetes import KubernetesBackend, gc_kubernetes, names
from simulator.backends.kubernetes.options import KubeOptions
from simulator.engine.events import RunWarning, TaskExited, TaskFailed, TaskReady, TaskScheduling
from simulator.engine.status import TaskStatus
from tests.conftest import ROOT
from tests.kubernetes.conftest import SCRIPTS, Cluster, sync, wait_for
from tests.kubernetes.helpers import plan, task

pytestmark = pytest.mark.kubernetes


@sync
async def test_a_deleted_node_fails_its_task_as_a_backend_error(
    runner: Any,
    kube_cluster: Cluster,
) -> None:
    p = plan(("g", [task("t", "g", lead=True, platform="jetson", script="sleep 60")]))
    try:
        async with runner(p) as run:
            await run.start("g")
            await run.wait(lambda e: isinstance(e, TaskReady))
            await run.backend.release("t", 0)
            await asyncio.to_thread(kube_cluster.core().delete_node, "kwok-arm64-0")
            failed = await run.wait(lambda e: isinstance(e, TaskFailed))
            assert (failed.status, failed.exit_code) == (TaskStatus.FAILED_BACKEND_ERROR, 3001)
            assert failed.message == "Node got removed from the cluster while the pod was on it"
    finally:  # put the node back for the other tests
        kube_cluster.script(
            "up.sh",
            str(kube_cluster.bin_dir),
            str(kube_cluster.run_dir),
            str(SCRIPTS / "nodes.yaml"),
        )


@sync
async def test_an_api_server_restart_mid_run_is_survived(
    runner: Any,
    kube_cluster: Cluster,
) -> None:
    p = plan(("g", [task("t", "g", lead=True, script="sleep 8")]))
    async with runner(p) as run:
        await run.start("g")
        await run.wait(lambda e: isinstance(e, TaskReady))
        await run.backend.release("t", 0)
        await asyncio.to_thread(
            kube_cluster.script, "restart.sh", str(kube_cluster.run_dir), "kube-apiserver"
        )
        await run.wait(
            lambda e: isinstance(e, RunWarning) and "lost the Kubernetes API" in e.message
        )
        await run.wait(lambda e: isinstance(e, RunWarning) and "reachable again" in e.message, 90)
        exited = await run.wait(lambda e: isinstance(e, TaskExited | TaskFailed), 60)
        assert isinstance(exited, TaskExited) and exited.exit_code == 0


CHILD = """
import asyncio, os, sys
from simulator.backends.kubernetes import KubernetesBackend
from simulator.backends.kubernetes.options import KubeOptions
from tests.kubernetes.helpers import plan, task

async def main() -> None:
    p = plan(("g", [task("a", "g", lead=True, script="sleep 600"), task("b", "g", script="sleep 600")]))
    backend = KubernetesBackend(KubeOptions(kubeconfig=sys.argv[1], namespace=sys.argv[2]))
    events = []
    await backend.prepare(p, sys.argv[3], events.append)
    await backend.start_group(p.groups["g"], {})
    while sum(type(e).__name__ == "TaskScheduling" for e in events) < 2:  # both pods exist
        await asyncio.sleep(0.05)
    print(backend.run_id, flush=True)
    os.kill(os.getpid(), 9)  # what `kill -9` of osmo-tui leaves behind

asyncio.run(main())
"""


def test_gc_removes_what_a_killed_process_left_and_keeps_live_runs(
    kube_cluster: Cluster, namespace: str, tmp_path: Any
) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.run(
        [sys.executable, "-c", CHILD, kube_cluster.kubeconfig, namespace, str(tmp_path)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    dead_run = child.stdout.strip()
    assert dead_run, child.stderr
    core = kube_cluster.core()
    assert core.list_namespaced_pod(namespace, label_selector=names.run_selector(dead_run)).items

    async def live() -> None:
        p = plan(("g", [task("c", "g", lead=True, script="sleep 600")]))
        backend = KubernetesBackend(
            KubeOptions(kubeconfig=kube_cluster.kubeconfig, namespace=namespace)
        )
        events: list[Any] = []
        await backend.prepare(p, tmp_path, events.append)
        try:
            await backend.start_group(p.groups["g"], {})
            while not any(isinstance(e, TaskScheduling) for e in events):  # the pod exists
                await asyncio.sleep(0.05)
            result = await asyncio.to_thread(
                gc_kubernetes, kubeconfig=kube_cluster.kubeconfig, namespace=namespace
            )
            assert result.removed == [f"{namespace}/{dead_run}"]
            assert result.kept == [f"{namespace}/{backend.run_id}"] and not result.errors
        finally:
            await backend.close()

    asyncio.run(live())
    sel = names.run_selector(dead_run)
    wait_for(
        lambda: not core.list_namespaced_pod(namespace, label_selector=sel).items,
        30,
        "the dead run's pods to go",
    )
    assert not core.list_namespaced_service(namespace, label_selector=sel).items
