"""`DockerOptions`: everything `--backend docker` can be told, as one typed value (no docker import)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

PULL_POLICIES: tuple[str, ...] = ("missing", "always", "never")


@dataclass(frozen=True, slots=True)
class DockerOptions:
    """How the Docker backend runs a plan (the CLI's flags, or a test's choice)."""

    name: ClassVar[str] = "docker"
    pull_policy: str = "missing"
    """When to pull a task's image: missing, always or never."""
    grace_period: float = 5.0
    """Seconds between SIGTERM and SIGKILL when a task is stopped."""
    shm_size: int | None = None
    """/dev/shm per container in bytes (None: 1Gi, at most half the memory limit)."""
    gpus: str | tuple[str, ...] | None = None
    """GPU device ids to hand out (None: $OSMO_TUI_GPU_INVENTORY, else the host's)."""
    base_url: str | None = None
    """The engine's address (None: DOCKER_HOST or the local socket)."""
    keep_failed: bool = False
    """A failed task's container is kept (its files, idle) for `workflow exec`, until `gc`."""
