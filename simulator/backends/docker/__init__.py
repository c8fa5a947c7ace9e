"""`--backend docker`: run workflows on the local Docker engine (x86, arm64 via qemu, GPUs).

Attributes load lazily so that `simulator.backends.docker.cli` (command-line options, read on
every `osmo-tui` start) costs nothing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simulator.backends.docker.backend import DockerBackend

__all__ = ["DockerBackend"]


def __getattr__(name: str) -> Any:
    if name != "DockerBackend":
        raise AttributeError(name)
    return importlib.import_module(f"{__name__}.backend").DockerBackend
