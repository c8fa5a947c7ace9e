"""Where a task runs on the local engine and what the pool lets it do (SPEC §2.8)."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from typing import Any

from simulator.engine.plan import TaskPlan
from simulator.errors import BackendError


@dataclass(frozen=True, slots=True)
class Placement:
    arch: str
    node: str
    reason: str
    platform: str = ""
    privileged: bool = False
    host_network: bool = False
    mounts: list[tuple[str, str]] = field(default_factory=list)
    """(host source, container destination)."""


def _mounts(task: str, platform: str, entries: list[str], cfg: Any) -> list[tuple[str, str]]:
    allowed = set(getattr(cfg, "allowed_mounts", []) or [])
    default = set(getattr(cfg, "default_mounts", []) or [])
    out = []
    for entry in entries:
        parts = entry.split(":")
        if len(parts) > 2 or (len(parts) == 2 and not parts[1]):
            raise BackendError(f"Invalid task volume mount: {entry}.")
        src, dst = parts[0], parts[-1]
        if src in default and src not in allowed:
            raise BackendError(
                f"Mount {src} is already provided by platform {platform} and cannot be set in "
                f"volumeMounts. Remove it from the task spec. Task {task}"
            )
        if src not in allowed | default:
            raise BackendError(
                f"Task with platform: {platform} does not allow mount: {src}. Task {task}"
            )
        out.append((src, dst))
    return out


def place_task(backend: Any, tp: TaskPlan) -> Placement:
    """The architecture, privileges and mounts of a task; BackendError when it cannot run here."""
    pool = backend.pool
    name = tp.name
    platform = tp.resource.platform or getattr(pool, "default_platform", None) or ""
    cfg = (getattr(pool, "platforms", {}) or {}).get(platform)
    arch = getattr(cfg, "arch", None) or backend.host_arch
    if arch != backend.host_arch and arch not in backend.emulated:
        raise BackendError(
            f"Task {name} needs linux/{arch} (platform {platform or 'default'}) but this "
            f"{backend.host_arch} host cannot emulate it: install qemu-user-static and "
            "binfmt-support and register the qemu binfmt handler (scripts/services/docker.sh does)"
        )
    spec = tp.spec
    privileged = bool(getattr(spec, "privileged", False))
    host_network = bool(getattr(spec, "hostNetwork", False))
    if privileged and not getattr(cfg, "privileged_allowed", False):
        raise BackendError(
            f"Task with platform: {platform} does not have privileged flag enabled. Task {name}"
        )
    if host_network and not getattr(cfg, "host_network_allowed", False):
        raise BackendError(
            f"Task with platform: {platform} does not have hostNetwork flag enabled. Task {name}"
        )
    mounts = _mounts(name, platform, list(getattr(spec, "volumeMounts", []) or []), cfg)
    mounts += [(m, m) for m in getattr(cfg, "default_mounts", []) or []]
    how = "native" if arch == backend.host_arch else "via qemu"
    reason = f"placed on local docker, linux/{arch} {how}"
    if platform:
        reason += f", platform {platform}"
        if getattr(cfg, "simulated", False):
            reason += " (simulated in the pool: runs on this host)"
    node = f"docker:{socket.gethostname()}"
    return Placement(arch, node, reason, platform, privileged, host_network, mounts)
