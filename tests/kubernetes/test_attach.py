"""`workflow exec` and `workflow port-forward` on the test cluster's real node (pods run for real):
the same cases as on Docker through the API server's exec and portforward, plus what only
Kubernetes says (no UDP forward), and `--keep-failed` keeping a failed pod until gc."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.backends.attach import failing, live_scenario
from tests.docker.test_workflow_verbs import VERB, _osmo
from tests.kubernetes.conftest import RealNode

pytestmark = [pytest.mark.kubernetes, pytest.mark.slow]
IMAGE = "alpine:3.18"
"""The stand-in image (busybox with httpd), from the local registry the node pulls from."""


def _kube(node: RealNode) -> list[str]:
    return [
        "--backend", "kubernetes", "--kubeconfig", node.cluster.kubeconfig,
        "--namespace", node.namespace, "--kube-data-pvc", node.pvc,
    ]  # fmt: skip


def test_exec_and_port_forward_on_the_real_node(real_node: RealNode, tmp_path: Path) -> None:
    final = live_scenario(tmp_path, IMAGE, _kube(real_node))
    pods = real_node.cluster.core().list_namespaced_pod(
        real_node.namespace, label_selector=f"osmo-tui/workflow={final['workflow_id']}"
    )
    assert all(p.metadata.deletion_timestamp for p in pods.items)


def test_keep_failed_keeps_the_pod_until_gc_and_udp_is_refused(
    real_node: RealNode, tmp_path: Path
) -> None:
    (tmp_path / "crash.yaml").write_text(failing(IMAGE))
    run = subprocess.run(
        [*VERB[:-1], "run", "crash.yaml", "--headless", *_kube(real_node), "--keep-failed"],
        cwd=tmp_path, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300,
        check=False,
    )  # fmt: skip
    assert run.returncode == 1 and "FAILED" in run.stdout, run.stderr
    status = json.loads(_osmo("query", "crash-1", "-t", "json", cwd=tmp_path).stdout)
    assert status["tasks"]["boom"]["exit_code"] == 7
    run_dir = Path(os.environ["OSMO_TUI_RUNS_DIR"]) / status["run_id"]
    (kept,) = json.loads((run_dir / "kept.json").read_text()).values()
    pod = kept["name"]
    core = real_node.cluster.core()
    found = core.read_namespaced_pod(pod, real_node.namespace)
    assert found.status.phase == "Failed" and found.metadata.labels.get("osmo-tui/kept")
    assert not found.metadata.labels.get("osmo-tui/run")  # out of the run's cleanup
    udp = _osmo("port-forward", "crash-1", "boom", "--port", "5000", "--udp", cwd=tmp_path)
    assert (udp.returncode, udp.stderr) == (
        2,
        "osmo-tui: --udp: the Kubernetes API's port-forward carries TCP only (no UDP forward)\n",
    )
    ended = _osmo("exec", "crash-1", "boom", "--entry", "cat /tmp/debug.txt", cwd=tmp_path)
    assert (ended.returncode, ended.stderr) == (
        1,
        f"osmo-tui: the task's failed pod {real_node.namespace}/{pod} is kept (its logs and "
        "status), but its container has ended: Kubernetes cannot exec or forward into it\n",
    )
    gc = subprocess.run(
        [*VERB[:-1], "gc", *_kube(real_node)[:6]],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert gc.returncode == 0, gc.stderr
    assert f"removing kept pod {real_node.namespace}/{pod}" in gc.stdout
    left = core.list_namespaced_pod(real_node.namespace, label_selector="osmo-tui/kept").items
    assert all(p.metadata.deletion_timestamp for p in left if p.metadata.name == pod)
