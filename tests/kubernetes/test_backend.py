"""KubernetesBackend against the real control plane: placement, outcomes, barrier, faults."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from simulator.backends.kubernetes import names
from simulator.backends.scenario import parse_scenario
from simulator.engine.events import (
    RunWarning,
    TaskExited,
    TaskFailed,
    TaskInitializing,
    TaskLog,
    TaskReady,
    TaskScheduling,
)
from simulator.engine.status import TaskStatus
from tests.kubernetes.conftest import Cluster, Run, sync, wait_for
from tests.kubernetes.helpers import plan, task

pytestmark = pytest.mark.kubernetes


def _pods(cluster: Cluster, namespace: str, run: Run) -> list[Any]:
    selector = names.run_selector(run.backend.run_id)
    return list(cluster.core().list_namespaced_pod(namespace, label_selector=selector).items)


@sync
async def test_arm64_task_lands_on_an_arm64_node_and_exits_as_its_script_says(runner: Any) -> None:
    p = plan(("g", [task("t", "g", lead=True, platform="jetson", script="sleep 2; exit 3")]))
    async with runner(p) as run:
        await run.start("g")
        init = await run.wait(lambda e: isinstance(e, TaskInitializing))
        assert init.node == "kwok-arm64-0" and "arm64" in init.reason
        await run.wait(lambda e: isinstance(e, TaskReady))
        await run.backend.release("t", 0)
        exited = await run.wait(lambda e: isinstance(e, TaskExited))
        assert exited.exit_code == 3
        kinds = [type(e).__name__ for e in run.events if not isinstance(e, RunWarning)]
        assert kinds == [
            "TaskScheduling",
            "TaskInitializing",
            "TaskReady",
            "TaskRunning",
            "TaskExited",
        ]


@sync
async def test_gpu_task_lands_on_the_gpu_node(runner: Any) -> None:
    async with runner(plan(("g", [task("t", "g", lead=True, platform="dgx", gpu=2)]))) as run:
        await run.start("g")
        init = await run.wait(lambda e: isinstance(e, TaskInitializing))
        assert init.node.startswith("kwok-gpu-") and "GPU" in init.reason


@sync
async def test_more_gpus_than_any_node_stays_scheduling_with_the_reason(runner: Any) -> None:
    async with runner(plan(("g", [task("t", "g", lead=True, platform="dgx", gpu=9)]))) as run:
        await run.start("g")
        sched = await run.wait(
            lambda e: isinstance(e, TaskScheduling) and "nvidia.com/gpu" in e.reason
        )
        assert "Insufficient nvidia.com/gpu" in sched.reason
        await asyncio.sleep(2)
        assert not run.of(TaskInitializing, "t")


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (TaskStatus.FAILED_EVICTED, 3004),
        (TaskStatus.FAILED_IMAGE_PULL, 302),
        (TaskStatus.FAILED_PREEMPTED, 3006),
        (TaskStatus.FAILED_START_ERROR, 3003),
    ],
)
@sync
async def test_scenario_failures_come_back_as_osmo_statuses(
    runner: Any, status: TaskStatus, code: int
) -> None:
    scenario = parse_scenario(f"tasks: {{t: {{status: {status}, duration: 0.2}}}}")
    async with runner(
        plan(("g", [task("t", "g", lead=True)])), scenario=scenario, simulate_outcomes=True
    ) as run:
        await run.start("g")
        if status is not TaskStatus.FAILED_IMAGE_PULL:
            await run.wait(lambda e: isinstance(e, TaskReady))
            await run.backend.release("t", 0)
        failed = await run.wait(lambda e: isinstance(e, TaskFailed))
        assert (failed.status, failed.exit_code) == (status, code)


@sync
async def test_barrier_holds_commands_until_released(runner: Any) -> None:
    p = plan(
        ("g", [task("a", "g", lead=True, script="sleep 0.2"), task("b", "g", script="sleep 0.2")])
    )
    async with runner(p) as run:
        await run.start("g")
        for name in ("a", "b"):
            await run.wait(lambda e, n=name: isinstance(e, TaskReady) and e.task == n)
        await asyncio.sleep(1.0)  # far beyond the 0.2s duration: nothing may finish unreleased
        assert not [e for e in run.events if isinstance(e, TaskExited)]
        await run.backend.release("a", 0)
        await run.backend.release("b", 0)
        for name in ("a", "b"):
            done = await run.wait(lambda e, n=name: isinstance(e, TaskExited) and e.task == n)
            assert done.exit_code == 0


@sync
async def test_kill_and_close_leave_nothing(
    runner: Any, kube_cluster: Cluster, namespace: str
) -> None:
    p = plan(
        (
            "g",
            [
                task("a", "g", lead=True, script="sleep 60"),
                task("b", "g", script="sleep 60", files=[{"path": "/x", "contents": "y"}]),
            ],
        )
    )
    async with runner(p) as run:
        await run.start("g")
        await run.wait(lambda e: isinstance(e, TaskReady) and e.task == "a")
        await run.backend.kill("a", 0, "Lead task finished")
        wait_for(
            lambda: (
                {q.metadata.labels[names.TASK] for q in _pods(kube_cluster, namespace, run)}
                == {"b"}
            ),
            20,
            "pod a to go",
        )
        await run.backend.close()
        core = kube_cluster.core()
        sel = names.run_selector(run.backend.run_id)
        wait_for(lambda: not _pods(kube_cluster, namespace, run), 20, "every pod to go")
        assert not core.list_namespaced_service(namespace, label_selector=sel).items
        assert not core.list_namespaced_config_map(namespace, label_selector=sel).items
        assert not [e for e in run.events if isinstance(e, TaskExited | TaskFailed)]
        # the watch threads end with the run: no connection is held after close()
        wait_for(lambda: not any(w.is_alive() for w in run.backend._watchers), 5, "watchers")


@sync
async def test_logs_are_streamed_with_credentials_masked(
    runner: Any, kube_cluster: Cluster, namespace: str, tmp_path: Any
) -> None:
    """KWOK serves a pod's log from a file named by a ClusterLogs object (CRI log format)."""
    from kubernetes import client

    log = tmp_path / "task.log"
    log.write_text(
        "".join(
            f"2026-01-01T00:00:0{i}.000000000Z stdout F {text}\n"
            for i, text in enumerate(["epoch 1", "password is s3cr3t-value-long", "epoch 2"])
        )
    )
    custom = client.CustomObjectsApi(kube_cluster.api())
    body = {
        "apiVersion": "kwok.x-k8s.io/v1alpha1",
        "kind": "ClusterLogs",
        "metadata": {"name": f"logs-{namespace}"},
        "spec": {
            "selector": {"matchNamespaces": [namespace]},
            "logs": [{"logsFile": str(log), "follow": False}],
        },
    }
    custom.create_cluster_custom_object("kwok.x-k8s.io", "v1alpha1", "clusterlogs", body)
    try:
        t = task("t", "g", lead=True, script="sleep 2", credentials={"db": {"PW": "pw"}})
        async with runner(
            plan(("g", [t])), stream_logs=True, credentials={"db": {"pw": "s3cr3t-value-long"}}
        ) as run:
            await run.start("g")
            await run.wait(lambda e: isinstance(e, TaskReady))
            await run.backend.release("t", 0)
            await run.wait(lambda e: isinstance(e, TaskLog) and e.line == "epoch 2")
            lines = [e.line for e in run.events if isinstance(e, TaskLog)]
            assert lines == ["epoch 1", "password is [MASKED]", "epoch 2"]
    finally:
        custom.delete_cluster_custom_object(
            "kwok.x-k8s.io", "v1alpha1", "clusterlogs", f"logs-{namespace}"
        )
