"""Kubernetes backend: tasks as pods on a cluster, placed by the real kube-scheduler.

Attributes load lazily so that `simulator.backends.kubernetes.cli` (command-line options, read on
every `osmo-tui` start) costs nothing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simulator.backends.kubernetes.backend import KubernetesBackend
    from simulator.backends.kubernetes.gc import GcResult, gc_kubernetes

__all__ = ["GcResult", "KubernetesBackend", "gc_kubernetes"]
_WHERE = {"KubernetesBackend": "backend", "GcResult": "gc", "gc_kubernetes": "gc"}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(name)
    return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
