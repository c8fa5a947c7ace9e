"""Command-line options of `--backend kubernetes` (shared by `run`, `simulate` and `gc`)."""

from __future__ import annotations

import argparse

from simulator.backends.kubernetes.options import KubeOptions


def add_kube_options(parser: argparse.ArgumentParser) -> None:
    """--kubeconfig, --kube-context, --namespace, --kube-data-pvc, --kube-scheduler."""
    group = parser.add_argument_group("kubernetes backend (see docs/kubernetes.md)")
    group.add_argument(
        "--kubeconfig",
        metavar="PATH",
        help="kubeconfig file (default: $KUBECONFIG, ~/.kube/config, in-cluster)",
    )
    group.add_argument("--kube-context", metavar="NAME", help="context of the kubeconfig")
    group.add_argument(
        "--namespace", metavar="NS", help="namespace (default: the context's, else default)"
    )
    group.add_argument(
        "--kube-data-pvc",
        metavar="PVC",
        help="PersistentVolumeClaim carrying task outputs to downstream inputs",
    )
    group.add_argument(
        "--kube-scheduler", metavar="NAME", help="schedulerName of the pods (e.g. a gang scheduler)"
    )
    group.add_argument(
        "--kube-image-registry",
        metavar="HOST:PORT",
        help="a registry on this host every image name resolves through (the cluster's mirror): "
        "--reuse identifies images by its digests (docs/reuse.md)",
    )


def kube_options(args: argparse.Namespace) -> KubeOptions:
    """The typed options from parsed flags."""
    return KubeOptions(
        kubeconfig=getattr(args, "kubeconfig", None),
        context=getattr(args, "kube_context", None),
        namespace=getattr(args, "namespace", None),
        data_pvc=getattr(args, "kube_data_pvc", None),
        scheduler_name=getattr(args, "kube_scheduler", None),
        image_registry=getattr(args, "kube_image_registry", None),
        check_pool_rules=True,
    )
