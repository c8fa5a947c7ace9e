"""Whole runs through the shared engine and the CLI: queue timeout, cancel, gang, clear errors."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from simulator.backends.kubernetes import KubernetesBackend, names
from simulator.backends.kubernetes.options import KubeOptions
from simulator.engine.events import TaskScheduling
from simulator.engine.realtime import RealtimeRun
from simulator.engine.report import build_report
from simulator.engine.snapshot import RunSnapshot, fold
from simulator.errors import BackendError
from tests.kubernetes.conftest import POOL, Cluster, wait_for
from tests.kubernetes.helpers import plan, task

pytestmark = pytest.mark.kubernetes
OSMO_TUI = [sys.executable, "-m", "osmo_tui.cli.main"]
"""The CLI of the interpreter running the tests (never a hard-coded virtualenv)."""


def _report(
    p: Any, backend: KubernetesBackend, tmp: Path, cancel_after: float = 0
) -> dict[str, Any]:
    snap = RunSnapshot.from_plan(p)

    async def main() -> None:
        run = RealtimeRun(p, backend, run_dir=tmp)
        if cancel_after:
            asyncio.get_running_loop().call_later(cancel_after, run.cancel, "workflow", "", "stop")
        await asyncio.wait_for(run.run(lambda e: fold(snap, e)), 60)

    asyncio.run(main())
    return build_report(snap)


def test_too_many_gpus_stays_scheduling_until_queue_timeout(
    kube_cluster: Cluster, namespace: str, tmp_path: Path
) -> None:
    p = plan(
        ("g", [task("big", "g", lead=True, platform="dgx", gpu=9)]),
        queue_timeout=3.0,
        queue_timeout_text="3s",
    )
    backend = KubernetesBackend(
        KubeOptions(kubeconfig=kube_cluster.kubeconfig, namespace=namespace), pool=POOL
    )
    report = _report(p, backend, tmp_path)
    t = report["tasks"]["big"]
    assert report["workflow"]["status"] == "FAILED_QUEUE_TIMEOUT"
    assert t["status"] == "FAILED_QUEUE_TIMEOUT" and t["exit_code"] is None
    assert t["message"] == "Task stayed in queue longer than the set limit of 3s."
    core = kube_cluster.core()
    wait_for(
        lambda: (
            not core.list_namespaced_pod(
                namespace, label_selector=names.run_selector(backend.run_id)
            ).items
        ),
        20,
        "the pod to go",
    )


def test_cancel_mid_run_leaves_no_pod(
    kube_cluster: Cluster, namespace: str, tmp_path: Path
) -> None:
    p = plan(
        ("g", [task("a", "g", lead=True, script="sleep 60"), task("b", "g", script="sleep 60")]),
        ("h", [task("c", "h", lead=True, script="sleep 60")]),
    )
    backend = KubernetesBackend(
        KubeOptions(kubeconfig=kube_cluster.kubeconfig, namespace=namespace)
    )
    report = _report(p, backend, tmp_path, cancel_after=3.0)
    assert report["workflow"]["status"] == "FAILED_CANCELED"
    assert {t["status"] for t in report["tasks"].values()} == {"FAILED_CANCELED"}
    core = kube_cluster.core()
    sel = names.run_selector(backend.run_id)
    wait_for(
        lambda: not core.list_namespaced_pod(namespace, label_selector=sel).items,
        20,
        "every pod to go",
    )
    assert not core.list_namespaced_service(namespace, label_selector=sel).items


def test_gang_gets_a_pod_group_when_the_cluster_serves_one(
    kube_cluster: Cluster, namespace: str, tmp_path: Path
) -> None:
    """With the scheduler-plugins PodGroup API installed, a group is one PodGroup (minMember)."""
    from kubernetes import client

    ext = client.ApiextensionsV1Api(kube_cluster.api())
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "podgroups.scheduling.x-k8s.io"},
        "spec": {
            "group": "scheduling.x-k8s.io",
            "scope": "Namespaced",
            "names": {"plural": "podgroups", "singular": "podgroup", "kind": "PodGroup"},
            "versions": [
                {
                    "name": "v1alpha1",
                    "served": True,
                    "storage": True,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "x-kubernetes-preserve-unknown-fields": True,
                        }
                    },
                }
            ],
        },
    }
    ext.create_custom_resource_definition(crd)
    try:
        wait_for(
            lambda: any(
                c.type == "Established" and c.status == "True"
                for c in (
                    ext.read_custom_resource_definition(crd["metadata"]["name"]).status.conditions
                    or []
                )
            ),
            30,
            "the CRD",
        )
        seen: dict[str, Any] = {}

        async def main() -> None:
            p = plan(("g", [task("a", "g", lead=True, script="sleep 30"), task("b", "g")]))
            backend = KubernetesBackend(
                KubeOptions(kubeconfig=kube_cluster.kubeconfig, namespace=namespace)
            )
            events: list[Any] = []
            await backend.prepare(p, tmp_path, events.append)
            try:
                await backend.start_group(p.groups["g"], {})
                while sum(isinstance(e, TaskScheduling) for e in events) < 2:  # both pods exist
                    await asyncio.sleep(0.05)
                custom = client.CustomObjectsApi(kube_cluster.api())
                seen["groups"] = custom.list_namespaced_custom_object(
                    "scheduling.x-k8s.io", "v1alpha1", namespace, "podgroups"
                )["items"]
                seen["pods"] = (
                    kube_cluster.core()
                    .list_namespaced_pod(
                        namespace, label_selector=names.run_selector(backend.run_id)
                    )
                    .items
                )
            finally:
                await backend.close()

        asyncio.run(main())
        (group,) = seen["groups"]
        assert group["spec"]["minMember"] == 2
        label = "scheduling.x-k8s.io/pod-group"
        assert {p.metadata.labels[label] for p in seen["pods"]} == {group["metadata"]["name"]}
    finally:
        ext.delete_custom_resource_definition(crd["metadata"]["name"])


WORKFLOW = """\
workflow:
  name: cli-demo
  groups:
  - name: g
    tasks:
    - name: lead
      lead: true
      image: busybox
      command: [sh, -c, "sleep 2"]
    - name: worker
      image: busybox
      command: [sh, -c, "wget -q http://{{host:lead}}/; sleep 0.1; exit 3"]
"""


def _simulate_on(
    tmp_path: Path, kubeconfig: str, *extra: str, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """`osmo-tui simulate WORKFLOW --backend kubernetes --kubeconfig K ... --no-record`."""
    wf = tmp_path / "wf.yaml"
    wf.write_text(WORKFLOW)
    argv = [*OSMO_TUI, "simulate", str(wf), "--backend", "kubernetes", "--kubeconfig", kubeconfig]
    return subprocess.run(
        [*argv, *extra, "--no-record"], capture_output=True, text=True, timeout=timeout
    )


def test_cli_runs_a_workflow_on_the_cluster(
    kube_cluster: Cluster, namespace: str, tmp_path: Path
) -> None:
    done = _simulate_on(
        tmp_path, kube_cluster.kubeconfig, "--namespace", namespace, "--json", timeout=120
    )
    report = json.loads(done.stdout)
    assert done.returncode == 0, done.stderr
    assert report["workflow"]["status"] == "COMPLETED"
    assert report["tasks"]["worker"]["status"] == "FAILED"
    assert report["tasks"]["worker"]["exit_code"] == 3


def test_cli_unreachable_cluster_is_one_clear_line(tmp_path: Path) -> None:
    done = _simulate_on(tmp_path, str(tmp_path / "missing.kubeconfig"))
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("osmo-tui: kubernetes: cannot load"), lines


def test_cli_cluster_down_at_start_is_one_clear_line_within_seconds(
    kube_cluster: Cluster, tmp_path: Path
) -> None:
    import time

    import yaml

    config = yaml.safe_load(Path(kube_cluster.kubeconfig).read_text())
    config["clusters"][0]["cluster"]["server"] = "https://127.0.0.1:1"
    kubeconfig = tmp_path / "down.kubeconfig"
    kubeconfig.write_text(yaml.safe_dump(config))
    started = time.monotonic()
    done = _simulate_on(tmp_path, str(kubeconfig))
    assert time.monotonic() - started < 30
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "osmo-tui: kubernetes: cannot reach the API server at https://127.0.0.1:1 "
        "(context osmo-tui-local)"
    ]


def test_data_pvc_carries_outputs_to_inputs_and_a_missing_one_is_named(
    kube_cluster: Cluster, namespace: str, tmp_path: Path
) -> None:
    core = kube_cluster.core()
    pv_name = f"pv-{namespace}"
    core.create_persistent_volume(
        {
            "metadata": {"name": pv_name},
            "spec": {
                "capacity": {"storage": "1Gi"},
                "accessModes": ["ReadWriteMany"],
                "storageClassName": "",
                "hostPath": {"path": str(tmp_path / "pv")},
            },
        }
    )
    core.create_namespaced_persistent_volume_claim(
        namespace,
        {
            "metadata": {"name": "shared"},
            "spec": {
                "accessModes": ["ReadWriteMany"],
                "storageClassName": "",
                "volumeName": pv_name,
                "resources": {"requests": {"storage": "1Gi"}},
            },
        },
    )
    try:
        p = plan(
            ("a", [task("make", "a", lead=True, script="sleep 0.2")]),
            ("b", [task("use", "b", lead=True, script="sleep 0.2", inputs=("make",))]),
            upstream={"b": ("a",)},
        )
        specs: dict[str, Any] = {}
        backend = KubernetesBackend(
            KubeOptions(kubeconfig=kube_cluster.kubeconfig, namespace=namespace, data_pvc="shared")
        )

        def spy(event: Any) -> None:
            if type(event).__name__ == "TaskReady":
                pods = core.list_namespaced_pod(
                    namespace, label_selector=f"osmo-tui/task={event.task}"
                )
                specs[event.task] = pods.items[0].spec

        snap = RunSnapshot.from_plan(p)

        async def main() -> None:
            run = RealtimeRun(p, backend, run_dir=tmp_path)
            await asyncio.wait_for(run.run(lambda e: (fold(snap, e), spy(e))), 60)

        asyncio.run(main())
        assert build_report(snap)["workflow"]["status"] == "COMPLETED"
        mounts = {m.mount_path: m for m in specs["use"].containers[0].volume_mounts}
        assert mounts["/osmo/data/input/0"].sub_path == f"{backend.run_id}/make"
        assert mounts["/osmo/data/input/0"].read_only
        assert mounts["/osmo/data/output"].sub_path == f"{backend.run_id}/use"
        assert specs["use"].volumes[0].persistent_volume_claim.claim_name == "shared"
        missing = KubernetesBackend(
            KubeOptions(kubeconfig=kube_cluster.kubeconfig, namespace=namespace, data_pvc="nope")
        )
        with pytest.raises(BackendError, match="PersistentVolumeClaim 'nope' not found"):
            asyncio.run(missing.prepare(p, tmp_path, lambda e: None))
        asyncio.run(missing.close())
    finally:
        core.delete_persistent_volume(pv_name)


def test_an_interrupted_run_like_a_hot_reload_leaves_nothing(
    kube_cluster: Cluster, namespace: str, tmp_path: Path
) -> None:
    """The app stops a run by cancelling its task (hot reload, Ctrl-C): pods and objects go."""
    p = plan(
        (
            "g",
            [
                task(
                    "a",
                    "g",
                    lead=True,
                    script="sleep 60",
                    files=[{"path": "/etc/x", "contents": "y"}],
                ),
                task("b", "g", script="sleep 60"),
            ],
        )
    )
    backend = KubernetesBackend(
        KubeOptions(kubeconfig=kube_cluster.kubeconfig, namespace=namespace)
    )

    async def main() -> None:
        run = RealtimeRun(p, backend, run_dir=tmp_path)
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(run.run(lambda e: None), 4)

    asyncio.run(main())
    core = kube_cluster.core()
    sel = names.run_selector(backend.run_id)
    wait_for(
        lambda: not core.list_namespaced_pod(namespace, label_selector=sel).items,
        20,
        "every pod to go",
    )
    assert not core.list_namespaced_config_map(namespace, label_selector=sel).items
    assert not core.list_namespaced_service(namespace, label_selector=sel).items
