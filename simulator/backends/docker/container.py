"""How one task attempt becomes a container: command, env, mounts, limits, network, labels."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulator.backends.docker import wrapper
from simulator.spec.kubeexpand import expand_argv, expand_environment
from simulator.spec.models import k8s_name

DATA_OUTPUT = "/osmo/data/output"
DATA_INPUT = "/osmo/data/input"
DEFAULT_SHM = 1 << 30
"""1 GiB of /dev/shm (Docker's 64 MiB breaks PyTorch data loaders), capped at half the memory."""


def hostname_of(task: str) -> str:
    """The DNS name `{{host:<task>}}` resolves to on the run's network."""
    return k8s_name(task)[:63].rstrip("-_") or "task"


def visible_devices(gpus: list[str]) -> str:
    """NVIDIA_VISIBLE_DEVICES of the container: its GPUs, "" when none (as OSMO sets it)."""
    return ",".join(gpus)


def kubelet_env_and_argv(
    environment: dict[str, str], secret_env: dict[str, str], argv: list[str], gpus: list[str]
) -> tuple[dict[str, str], list[str]]:
    """The env and command line OSMO's container gets from the kubelet: the task's environment
    with `$(VAR)` expanded in declaration order, then the credentials' variables (secret refs,
    never expanded), and the command and args expanded from that final environment."""
    env = expand_environment(environment.items())
    env.update(secret_env)
    final = {**env, "NVIDIA_VISIBLE_DEVICES": visible_devices(gpus)}
    return env, expand_argv(argv, final)


@dataclass(slots=True)
class ContainerPlan:
    """Everything a container needs, decided by the backend (no Docker calls here)."""

    name: str
    task: str
    image: str
    arch: str
    argv: list[str]
    env: dict[str, str]
    labels: dict[str, str]
    control_dir: Path
    output_dir: Path
    inputs: list[Path] = field(default_factory=list)
    files: list[tuple[str, Path]] = field(default_factory=list)
    """(container path, host file) mounted read-only, like OSMO's secret files."""
    host_mounts: list[tuple[str, str]] = field(default_factory=list)
    network: str | None = None
    aliases: list[str] = field(default_factory=list)
    """Extra DNS names on the run's network (the FQDN `{{host:<task>}}` became in the plan)."""
    host_network: bool = False
    privileged: bool = False
    cpus: float | None = None
    memory: int | None = None
    storage: int | None = None
    shm_size: int | None = None
    gpus: list[str] = field(default_factory=list)
    gpu_device_requests: bool = False
    busybox: Path | None = None


def _mount(target: str, source: Path | str, read_only: bool) -> Any:
    from docker.types import Mount

    return Mount(target, str(source), type="bind", read_only=read_only)


def create_kwargs(plan: ContainerPlan, client: Any) -> dict[str, Any]:
    """Keyword arguments for `client.containers.create`."""
    from docker.types import DeviceRequest

    entry, wrapper_env = wrapper.command(plan.busybox is not None, plan.argv)
    env = {**plan.env, **wrapper_env}
    env["NVIDIA_VISIBLE_DEVICES"] = visible_devices(plan.gpus)
    mounts = [
        _mount(wrapper.CONTROL_DIR, plan.control_dir, False),
        _mount(DATA_OUTPUT, plan.output_dir, False),
    ]
    if plan.busybox is not None:
        mounts.append(_mount(wrapper.BUSYBOX, plan.busybox, True))
    mounts += [_mount(f"{DATA_INPUT}/{i}", src, True) for i, src in enumerate(plan.inputs)]
    mounts += [_mount(dst, src, True) for dst, src in plan.files]
    mounts += [_mount(dst, src, False) for src, dst in plan.host_mounts]
    kwargs: dict[str, Any] = {
        "image": plan.image,
        "name": plan.name,
        "entrypoint": entry[:1],
        "command": entry[1:],
        "environment": env,
        "labels": plan.labels,
        "mounts": mounts,
        "hostname": hostname_of(plan.task),
        "init": True,
        "detach": True,
        "stdin_open": False,
        "tty": False,
        "platform": f"linux/{plan.arch}",
        "privileged": plan.privileged,
        "shm_size": plan.shm_size,
        "stop_signal": "SIGTERM",
    }
    if plan.host_network:
        kwargs["network_mode"] = "host"
        kwargs.pop("hostname")
    elif plan.network:
        aliases = sorted({hostname_of(plan.task), plan.task, *plan.aliases})
        kwargs["network"] = plan.network
        kwargs["networking_config"] = {
            plan.network: client.api.create_endpoint_config(aliases=aliases)
        }
    if plan.cpus:
        kwargs["nano_cpus"] = int(min(plan.cpus, os.cpu_count() or 1) * 1e9)
    if plan.memory:
        kwargs["mem_limit"] = plan.memory
        kwargs["memswap_limit"] = plan.memory  # no swap: going over the limit is an OOM kill
    if plan.storage:
        kwargs["storage_opt"] = {"size": str(plan.storage)}
    if plan.gpus and plan.gpu_device_requests:
        kwargs["device_requests"] = [DeviceRequest(device_ids=plan.gpus, capabilities=[["gpu"]])]
    return kwargs


def create_container(client: Any, kwargs: dict[str, Any]) -> str:
    """Create the container; its id. What `client.containers.create` does minus the inspect it
    makes afterwards to build a model object (one engine round trip less per task)."""
    try:
        from docker.models.containers import _create_container_args
    except ImportError:  # a docker SDK that moved it: the public, slower way
        return str(client.containers.create(**kwargs).id)
    args = _create_container_args({**kwargs, "version": client.api._version})
    return str(client.api.create_container(**args)["Id"])
