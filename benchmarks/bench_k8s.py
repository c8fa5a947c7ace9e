"""Kubernetes backend overhead: a fan-out through osmo-tui vs the same pods by kubectl.

Both sides run on the local control plane (scripts/k8s, started or reused here) in the same
process run: osmo-tui runs the workflow through the engine and `KubernetesBackend` (prepare,
create, watch, cleanup); the baseline creates the identical pod manifests with one
`kubectl create`, waits with `kubectl wait` until every pod Succeeded, and deletes them. Every
task's KWOK pod "runs" for 1 s, so the ratio is the overhead of driving the run. kubectl handles
the pods one at a time (create and wait), so a second row compares with the floor: the same pods
created by parallel API calls and awaited through one watch.

On the real node (scripts/k8s/node-up.sh; skipped with a note when it is not up) a 20-task
fan-out really runs `sleep 1` in 20 containers, through osmo-tui in the node's namespace (data
PVC mounted, as users run it) and as the identical pods by `kubectl create` + `kubectl wait`.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from simulator.backends.kubernetes.options import KubeOptions

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts" / "k8s"
TASKS = 100
TARGET = 1.5
REAL_TASKS = 20
REAL_NODE = "osmo-real"
"""The real node's name, also its namespace (scripts/k8s/versions.sh NODE_NAME)."""
REAL_PVC = "osmo-data"


def _cluster() -> str:
    """Start or reuse the control plane; its admin kubeconfig."""
    done = subprocess.run(
        ["bash", str(SCRIPTS / "up.sh")], capture_output=True, text=True, timeout=300
    )
    if done.returncode != 0:
        raise RuntimeError(f"no local control plane: {done.stderr.strip().splitlines()[-1:]}")
    paths = subprocess.run(
        ["bash", "-c", f'source "{SCRIPTS}/versions.sh"; echo "$RUN_DIR"'],
        capture_output=True,
        text=True,
        check=True,
    )
    return str(Path(paths.stdout.strip()) / "admin.kubeconfig")


def _plan(tmp: Path, tasks: int = TASKS, image: str = "busybox") -> Any:
    from simulator.engine.from_spec import plan_from_spec
    from simulator.spec.loader import load_workflow

    lines = ["workflow:", "  name: fanout", "  groups:"]
    for i in range(tasks):
        lines += [
            f"  - name: g{i}",
            "    tasks:",
            f"    - name: t{i}",
            f"      image: {image}",
            '      command: [sh, -c, "sleep 1"]',
        ]
    path = tmp / f"fanout-{tasks}.yaml"
    path.write_text("\n".join(lines) + "\n")
    return plan_from_spec(load_workflow(path), workflow_id="fanout-1")


def _kubectl(*args: str, kubeconfig: str, timeout: float = 180) -> None:
    env = {**os.environ, "KUBECONFIG": kubeconfig}
    subprocess.run(["kubectl", *args], env=env, check=True, capture_output=True, timeout=timeout)


def _namespace(kubeconfig: str) -> str:
    name = f"bench-{uuid.uuid4().hex[:6]}"
    _kubectl("create", "namespace", name, kubeconfig=kubeconfig)
    for _ in range(100):  # pods are admitted once the default ServiceAccount exists
        env = {**os.environ, "KUBECONFIG": kubeconfig}
        if (
            subprocess.run(
                ["kubectl", "-n", name, "get", "sa", "default"], env=env, capture_output=True
            ).returncode
            == 0
        ):
            return name
        time.sleep(0.1)
    raise RuntimeError("namespace never got its default ServiceAccount")


def _ours(plan: Any, kubeconfig: str, namespace: str, data_pvc: str | None = None) -> float:
    from simulator.backends.kubernetes import KubernetesBackend
    from simulator.engine.realtime import RealtimeRun

    started = time.perf_counter()
    options = KubeOptions(kubeconfig=kubeconfig, namespace=namespace, data_pvc=data_pvc)
    backend = KubernetesBackend(options)
    status = asyncio.run(RealtimeRun(plan, backend).run(lambda event: None))
    elapsed = time.perf_counter() - started
    if str(status) != "COMPLETED":
        raise RuntimeError(f"the fan-out ended {status}")
    return elapsed


def _manifests(
    plan: Any, namespace: str, run: str, data_pvc: str | None = None
) -> list[dict[str, Any]]:
    """The pods the backend creates for the plan (same spec, same KWOK outcome annotations)."""
    from simulator.backends.kubernetes import objects, outcomes, pods

    ctx = objects.Context(
        run=run, namespace=namespace, workflow_id=plan.workflow_id, owner="bench", data_pvc=data_pvc
    )
    scenario = outcomes.load(None)
    out = []
    for name, task in plan.tasks.items():
        group = plan.groups[task.group]
        notes = outcomes.pod_annotations(scenario, name, 0, task.spec)
        spec = objects.substitute_hosts(ctx, group, objects.spec_dict(task.spec))
        out.append(pods.task_pod(ctx, group, task, 0, spec, annotations=notes))
    return out


def _baseline(
    plan: Any, kubeconfig: str, namespace: str, tmp: Path, data_pvc: str | None = None
) -> float:
    run = f"kubectl-{uuid.uuid4().hex[:6]}"
    path = tmp / "pods.json"
    items = _manifests(plan, namespace, run, data_pvc)
    path.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": items}))
    selector = f"osmo-tui/run={run}"
    started = time.perf_counter()
    _kubectl("create", "-f", str(path), kubeconfig=kubeconfig)
    _kubectl(
        "wait",
        "-n",
        namespace,
        "--for=jsonpath={.status.phase}=Succeeded",
        "pod",
        "-l",
        selector,
        "--timeout=180s",
        kubeconfig=kubeconfig,
        timeout=240,
    )
    _kubectl(
        "delete", "-n", namespace, "pods", "-l", selector, "--wait=false", kubeconfig=kubeconfig
    )
    return time.perf_counter() - started


def _direct(plan: Any, kubeconfig: str, namespace: str) -> float:
    """The floor: the same pods created by 16 threads, one watch until all Succeeded, one delete."""
    import concurrent.futures

    from kubernetes import client, config

    from simulator.backends.kubernetes.rest import Rest, ns_path

    cfg = client.Configuration()
    config.load_kube_config(config_file=kubeconfig, client_configuration=cfg, persist_config=False)
    cfg.connection_pool_maxsize = 32
    rest = Rest(client.ApiClient(cfg))
    run = f"direct-{uuid.uuid4().hex[:6]}"
    selector = {"labelSelector": f"osmo-tui/run={run}"}
    path = ns_path(namespace, "pods")
    started = time.perf_counter()
    rv = rest.call("GET", path, query=selector)["metadata"]["resourceVersion"]
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda m: rest.call("POST", path, body=m), _manifests(plan, namespace, run)))
    done: set[str] = set()
    query = {**selector, "watch": "true", "resourceVersion": rv, "timeoutSeconds": 120}
    for line in rest.lines(path, query=query):
        pod = json.loads(line)["object"]
        if pod.get("status", {}).get("phase") == "Succeeded":
            done.add(pod["metadata"]["name"])
        if len(done) == TASKS:
            break
    rest.call("DELETE", path, query=selector)
    return time.perf_counter() - started


def _real_node() -> str:
    """Start or reuse the real node (scripts/k8s/node-up.sh); why not, or "" when it is up."""
    done = subprocess.run(
        ["bash", str(SCRIPTS / "node-up.sh")], capture_output=True, text=True, timeout=600
    )
    lines = done.stderr.strip().splitlines()
    return "" if done.returncode == 0 else (lines[-1] if lines else "node-up.sh failed")


def _real_rows(kubeconfig: str) -> list[dict[str, Any]]:
    name = (
        f"k8s real node: fan-out {REAL_TASKS} tasks (sleep 1 in containers) vs kubectl create+wait"
    )
    why = _real_node()
    if why:
        print(f"[bench_k8s] real node skipped: {why}")
        return []
    with tempfile.TemporaryDirectory() as tmp:
        # a pinned tag: pulled once (IfNotPresent), so both sides run from the node's image cache
        plan = _plan(Path(tmp), REAL_TASKS, "busybox:1.36")
        _ours(plan, kubeconfig, REAL_NODE, REAL_PVC)  # warm-up: the image lands on the node
        ours = min(_ours(plan, kubeconfig, REAL_NODE, REAL_PVC) for _ in range(2))
        base = min(_baseline(plan, kubeconfig, REAL_NODE, Path(tmp), REAL_PVC) for _ in range(2))
    return [
        {
            "name": name,
            "value": round(ours, 3),
            "baseline": round(base, 3),
            "ratio": round(ours / base, 3),
            "target": TARGET,
            "unit": "s",
        }
    ]


def run() -> list[dict[str, Any]]:
    kubeconfig = _cluster()
    with tempfile.TemporaryDirectory() as tmp:
        plan = _plan(Path(tmp))
        namespace = _namespace(kubeconfig)
        try:
            ours = min(_ours(plan, kubeconfig, namespace) for _ in range(2))
            base = min(_baseline(plan, kubeconfig, namespace, Path(tmp)) for _ in range(2))
            floor = min(_direct(plan, kubeconfig, namespace) for _ in range(2))
        finally:
            _kubectl("delete", "namespace", namespace, "--wait=false", kubeconfig=kubeconfig)
    return [
        {
            "name": f"k8s fan-out {TASKS} tasks (1 s each) vs kubectl create+wait",
            "value": round(ours, 3),
            "baseline": round(base, 3),
            "ratio": round(ours / base, 3),
            "target": TARGET,
            "unit": "s",
        },
        {
            "name": f"k8s fan-out {TASKS} tasks vs direct API (parallel creates, one watch)",
            "value": round(ours, 3),
            "baseline": round(floor, 3),
            "ratio": round(ours / floor, 3),
            "target": None,
            "unit": "s",
        },
        *_real_rows(kubeconfig),
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
