"""`--backend docker`: run workflows on the local Docker engine (x86, arm64 via qemu, GPUs)."""

from __future__ import annotations

from simulator.backends.docker.backend import DockerBackend

__all__ = ["DockerBackend"]
