"""The Kubernetes options reach the backend from `run` (app and headless) and `gc`."""

from __future__ import annotations

from pathlib import Path

from osmo_tui.cli.main import build_parser


def test_run_passes_kube_options_to_the_app_session(tmp_path: Path) -> None:
    from osmo_tui.cli.cmd_run import run_options

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
    options = run_options(args).backend_options
    assert options == {
        "kubeconfig": "/k",
        "kube_context": "c",
        "namespace": "ns",
        "data_pvc": "data",
        "scheduler_name": None,
        "scenario": None,
        "check_pool_rules": True,
    }


def test_other_backends_get_no_kube_options(tmp_path: Path) -> None:
    from osmo_tui.cli.cmd_run import run_options

    wf = tmp_path / "wf.yaml"
    wf.write_text("workflow: {name: x, tasks: [{name: t, image: i, command: [c]}]}\n")
    args = build_parser().parse_args(["run", str(wf), "--backend", "docker"])
    kube = {"kubeconfig", "kube_context", "namespace", "data_pvc", "scheduler_name"}
    assert not kube & set(run_options(args).backend_options)


def test_gc_knows_the_kubernetes_backend() -> None:
    args = build_parser().parse_args(["gc", "--backend", "kubernetes", "--namespace", "ns", "-n"])
    assert (args.backend, args.namespace, args.dry_run) == ("kubernetes", "ns", True)
