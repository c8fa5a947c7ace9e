"""The Kubernetes options reach the backend from `run` (app and headless) and `gc`."""

from __future__ import annotations

from pathlib import Path

from osmo_tui.cli.main import build_parser
from simulator.backends.docker.options import DockerOptions
from simulator.backends.kubernetes.options import KubeOptions


def test_run_passes_kube_options_to_the_run_request(tmp_path: Path) -> None:
    from osmo_tui.cli.request import run_request

    wf = tmp_path / "wf.yaml"
    wf.write_text("workflow: {name: x, tasks: [{name: t, image: i, command: [c]}]}\n")
    args = build_parser().parse_args(
        [
            "run",
            str(wf),
            "--backend",
            "kubernetes",
            "--kubeconfig",
            "/k",
            "--kube-context",
            "c",
            "--namespace",
            "ns",
            "--kube-data-pvc",
            "data",
        ]
    )
    assert run_request(args).backend == KubeOptions(
        kubeconfig="/k",
        context="c",
        namespace="ns",
        data_pvc="data",
        scheduler_name=None,
        check_pool_rules=True,
    )


def test_other_backends_get_their_own_options(tmp_path: Path) -> None:
    from osmo_tui.cli.request import run_request

    wf = tmp_path / "wf.yaml"
    wf.write_text("workflow: {name: x, tasks: [{name: t, image: i, command: [c]}]}\n")
    args = build_parser().parse_args(["run", str(wf), "--backend", "docker"])
    assert run_request(args).backend == DockerOptions()


def test_gc_knows_the_kubernetes_backend() -> None:
    args = build_parser().parse_args(["gc", "--backend", "kubernetes", "--namespace", "ns", "-n"])
    assert (args.backend, args.namespace, args.dry_run) == ("kubernetes", "ns", True)
