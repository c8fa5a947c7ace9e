"""Adapters that run tasks (sim, docker, kubernetes), loaded lazily by name."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from simulator.errors import UsageError

if TYPE_CHECKING:
    from simulator.engine.port import Backend

BACKENDS: dict[str, str] = {
    "docker": "simulator.backends.docker:DockerBackend",
    "kubernetes": "simulator.backends.kubernetes:KubernetesBackend",
}
"""Real-time backends; `sim` is the simulator's own discrete-event loop (simulator.backends.sim)."""


def get_backend(name: str, **options: Any) -> Backend:
    """Import and build a real-time backend only when asked for (docker/kubernetes are heavy)."""
    if name not in BACKENDS:
        raise UsageError(f"unknown backend {name!r}; choose from sim, {', '.join(BACKENDS)}")
    module_name, _, cls_name = BACKENDS[name].partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        raise UsageError(f"backend {name!r} is not available: {exc}") from exc
    backend: Backend = getattr(module, cls_name)(**options)
    return backend
