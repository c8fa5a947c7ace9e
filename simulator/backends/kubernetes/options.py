"""`KubeOptions`: everything `--backend kubernetes` can be told, as one typed value (no client import)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True, slots=True)
class KubeOptions:
    """How the Kubernetes backend reaches its cluster and shapes its pods."""

    name: ClassVar[str] = "kubernetes"
    kubeconfig: str | None = None
    """kubeconfig file (None: $KUBECONFIG, ~/.kube/config, in-cluster)."""
    context: str | None = None
    namespace: str | None = None
    data_pvc: str | None = None
    """PersistentVolumeClaim that carries task outputs to downstream inputs."""
    scheduler_name: str | None = None
    image_pull_policy: str | None = None
    simulate_outcomes: bool | None = None
    """Report scripted outcomes for pods on nodes that run nothing (KWOK); None: detect."""
    stream_logs: bool | None = None
    grace_seconds: int = 10
    api_grace: float = 60.0
    """Seconds the API server may be unreachable before the run fails."""
    cluster_domain: str = "cluster.local"
    image_registry: str | None = None
    """A registry on this host that every image name resolves through (a pull-through mirror,
    e.g. `127.0.0.1:5000`): reuse keys identify images by its digests (docs/reuse.md)."""
    reuse_helper_image: str = "busybox:1.36"
    """The image of the helper pods that hash and copy outputs on the data PVC for reuse."""
    keep_failed: bool = False
    """A failed task's pod is not deleted (its logs and status stay) until `gc`."""
    check_pool_rules: bool = False
    """Refuse, before anything is created, tasks that no node of the cluster can take by the
    pool's resource rules (the CLI's default; tests of scheduling leave it off to see pods wait)."""
