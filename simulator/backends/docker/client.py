"""Connecting to the Docker engine, with one readable line when it cannot be reached."""

from __future__ import annotations

import os
from typing import Any

from simulator.errors import BackendError

DEFAULT_HOST = "unix:///var/run/docker.sock"


def _why(exc: BaseException) -> str:
    text = str(exc)
    if "FileNotFoundError" in text or "No such file" in text:
        return "no such socket: is dockerd running?"
    if "PermissionError" in text or "Permission denied" in text:
        return "permission denied: run as root or join the docker group"
    if "Connection refused" in text:
        return "connection refused: is dockerd running?"
    if "timed out" in text.lower():
        return "it did not answer in time"
    return text


def unreachable(exc: BaseException, base_url: str | None = None) -> BackendError:
    where = base_url or os.environ.get("DOCKER_HOST") or DEFAULT_HOST
    return BackendError(
        f"cannot reach the Docker engine at {where} ({_why(exc)}); start it "
        "(e.g. `sudo bash scripts/services/docker.sh`) or set DOCKER_HOST"
    )


def connect(base_url: str | None = None, *, timeout: int = 60, pool_size: int = 10) -> Any:
    """A `docker.DockerClient` that answered a ping; BackendError otherwise."""
    import docker

    try:
        if base_url:
            client = docker.DockerClient(
                base_url=base_url, timeout=timeout, max_pool_size=pool_size
            )
        else:
            client = docker.from_env(timeout=timeout, max_pool_size=pool_size)
        client.ping()
    except Exception as exc:  # DockerException, requests errors, OSError: all mean "not there"
        raise unreachable(exc, base_url) from None
    return client
