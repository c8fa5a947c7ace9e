"""Kubernetes backend: tasks as pods on a cluster, placed by the real kube-scheduler."""

from __future__ import annotations

from simulator.backends.kubernetes.backend import KubernetesBackend
from simulator.backends.kubernetes.gc import GcResult, gc_kubernetes

__all__ = ["GcResult", "KubernetesBackend", "gc_kubernetes"]
