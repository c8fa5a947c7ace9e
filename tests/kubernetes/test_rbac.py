"""The documented minimal Role is enough: a run with a restricted ServiceAccount token."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path
from typing import Any

import pytest
import yaml

from simulator.backends.kubernetes import KubernetesBackend
from simulator.backends.kubernetes.options import KubeOptions
from simulator.engine.events import TaskExited, TaskLog, TaskReady
from simulator.errors import BackendError
from tests.conftest import ROOT
from tests.kubernetes.conftest import Cluster
from tests.kubernetes.helpers import plan, task

pytestmark = pytest.mark.kubernetes
RBAC = ROOT / "scripts" / "k8s" / "rbac.yaml"


def _role() -> dict[str, Any]:
    role: dict[str, Any] = next(
        d for d in yaml.safe_load_all(RBAC.read_text()) if d["kind"] == "Role"
    )
    return role


def test_docs_show_the_role_the_tests_use() -> None:
    docs = (ROOT / "docs" / "kubernetes.md").read_text()
    block = docs.split("```yaml\n", 1)[1].split("```", 1)[0]
    assert yaml.safe_load(block) == _role()


def _token_kubeconfig(cluster: Cluster, namespace: str, sa: str, path: Path) -> str:
    core = cluster.core()
    core.create_namespaced_service_account(namespace, {"metadata": {"name": sa}})
    request = {"spec": {"audiences": [], "expirationSeconds": 3600}}
    token = core.create_namespaced_service_account_token(sa, namespace, request).status.token
    admin = yaml.safe_load(Path(cluster.kubeconfig).read_text())
    path.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "c", "cluster": admin["clusters"][0]["cluster"]}],
                "users": [{"name": sa, "user": {"token": token}}],
                "contexts": [
                    {
                        "name": "restricted",
                        "context": {"cluster": "c", "user": sa, "namespace": namespace},
                    }
                ],
                "current-context": "restricted",
            }
        )
    )
    return str(path)


def _bind(cluster: Cluster, namespace: str, sa: str) -> None:
    from kubernetes import client

    rbac = client.RbacAuthorizationV1Api(cluster.api())
    rbac.create_namespaced_role(namespace, _role())
    rbac.create_namespaced_role_binding(
        namespace,
        {
            "metadata": {"name": "osmo-tui-runner"},
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "Role",
                "name": "osmo-tui-runner",
            },
            "subjects": [{"kind": "ServiceAccount", "name": sa, "namespace": namespace}],
        },
    )


async def _until(events: list[Any], kind: type, count: int) -> None:
    for _ in range(400):
        if sum(isinstance(e, kind) for e in events) >= count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"fewer than {count} {kind.__name__} in {events}")


async def _run(kubeconfig: str | None, tmp: Path) -> list[Any]:
    p = plan(
        (
            "g",
            [
                task(
                    "a",
                    "g",
                    lead=True,
                    script="sleep 0.2",
                    files=[{"path": "/cfg/x.txt", "contents": "hello"}],
                    credentials={"db": {"DB_PASS": "password"}},
                ),
                task("b", "g", script="sleep 0.2; exit 4"),
            ],
        )
    )
    backend = KubernetesBackend(
        KubeOptions(kubeconfig=kubeconfig, simulate_outcomes=True),
        credentials={"db": {"password": "s3cr3t-value"}},
    )
    events: list[Any] = []
    await backend.prepare(p, tmp, events.append)
    try:
        await backend.start_group(p.groups["g"], {})
        await _until(events, TaskReady, 2)
        await backend.release("a", 0)
        await backend.release("b", 0)
        await _until(events, TaskExited, 2)
    finally:
        await backend.close()
    return events


def test_restricted_service_account_can_run_a_group(
    kube_cluster: Cluster, namespace: str, tmp_path: Path
) -> None:
    _bind(kube_cluster, namespace, "runner")
    kubeconfig = _token_kubeconfig(kube_cluster, namespace, "runner", tmp_path / "kc")
    events = asyncio.run(_run(kubeconfig, tmp_path))
    codes = {e.task: e.exit_code for e in events if isinstance(e, TaskExited)}
    assert codes == {"a": 0, "b": 4}
    core = kube_cluster.core()
    assert not core.list_namespaced_secret(namespace, label_selector="osmo-tui/run").items
    assert not core.list_namespaced_pod(namespace, label_selector="osmo-tui/run").items
    assert not any("s3cr3t-value" in e.line for e in events if isinstance(e, TaskLog))


def test_without_the_role_the_run_stops_with_one_clear_line(
    kube_cluster: Cluster, namespace: str, tmp_path: Path
) -> None:
    kubeconfig = _token_kubeconfig(kube_cluster, namespace, "nobody", tmp_path / "kc")
    p = plan(("g", [task("a", "g", lead=True)]))
    backend = KubernetesBackend(KubeOptions(kubeconfig=kubeconfig))
    with pytest.raises(BackendError, match=r"not allowed in namespace .*docs/kubernetes.md"):
        asyncio.run(backend.prepare(p, tmp_path, lambda e: None))
    asyncio.run(backend.close())


def test_in_cluster_configuration_is_used_inside_a_pod(
    kube_cluster: Cluster, namespace: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No kubeconfig, KUBERNETES_SERVICE_HOST set: the pod's ServiceAccount files are used."""
    from kubernetes.config import incluster_config

    from simulator.backends.kubernetes import cluster

    _bind(kube_cluster, namespace, "in-pod")
    kubeconfig = yaml.safe_load(
        Path(_token_kubeconfig(kube_cluster, namespace, "in-pod", tmp_path / "kc")).read_text()
    )
    sa = tmp_path / "serviceaccount"
    sa.mkdir()
    (sa / "token").write_text(kubeconfig["users"][0]["user"]["token"])
    (sa / "namespace").write_text(namespace)
    admin = yaml.safe_load(Path(kube_cluster.kubeconfig).read_text())
    ca = admin["clusters"][0]["cluster"]["certificate-authority-data"]
    (sa / "ca.crt").write_bytes(base64.b64decode(ca))
    monkeypatch.setattr(incluster_config, "SERVICE_TOKEN_FILENAME", str(sa / "token"))
    monkeypatch.setattr(incluster_config, "SERVICE_CERT_FILENAME", str(sa / "ca.crt"))
    monkeypatch.setattr(cluster, "SA_DIR", sa)
    port = admin["clusters"][0]["cluster"]["server"].rsplit(":", 1)[1]
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", port)
    monkeypatch.delenv("KUBECONFIG")
    conn = cluster.connect()
    assert (conn.where, conn.namespace) == ("in-cluster", namespace)
    events = asyncio.run(_run(None, tmp_path))
    assert {e.task: e.exit_code for e in events if isinstance(e, TaskExited)} == {"a": 0, "b": 4}
