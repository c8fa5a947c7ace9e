"""Checks OSMO makes against the pool: platforms, node fit, privileges, mounts, task count."""

from __future__ import annotations

from simulator.pool.config import PlatformConfig, PoolConfig
from simulator.spec.checks import Findings, TaskRef
from simulator.spec.models import ResourceSpec, TaskSpec, WorkflowSpec
from simulator.spec.units import format_quantity, parse_quantity
from simulator.spec.yamlpos import Path

DEFAULT_MAX_TASKS = 20
"""OSMO's server default `max_num_tasks`."""


def default_platforms(spec: WorkflowSpec, pool: PoolConfig, out: Findings) -> None:
    """Resources without a platform get the pool's default one; OSMO's error when the pool has
    none or its default is not one of its platforms (`WorkflowSpec.parse`)."""
    for name, resource in spec.resources.items():
        rpath: Path = ("workflow", "resources", name)
        if resource.platform is None:
            if pool.default_platform and pool.default_platform in pool.platforms:
                resource.platform = pool.default_platform
            else:
                out.add(f"Resource {name} does not have a platform!", rpath, key=True)
        for ti, topo in enumerate(resource.topology):
            if topo.key not in pool.topology_keys:
                out.add(
                    f'Topology key "{topo.key}" in resource "{name}" is not available in pool '
                    f'"{pool.name}". Available topology keys: {pool.topology_keys}',
                    (*rpath, "topology", ti, "key"),
                )


def bind_resources(spec: WorkflowSpec, refs: dict[str, TaskRef], out: Findings) -> None:
    """Each task's `resources` := `workflow.resources[task.resource]` (user value ignored, E24)."""
    for group in spec.groups:
        for task in group.tasks:
            resource = spec.resources.get(task.resource)
            path = (*refs[task.name].task_path, "resource")
            if resource is not None:
                task.resources = resource
            elif task.resource == "default":
                out.add(
                    f"Task {task.name} has no specified resource. "
                    "Specify a default resource in the resources section.",
                    path,
                )
            else:
                out.add(f"Requesting undefined resource {task.resource}.", path)


def check_mount_syntax(spec: WorkflowSpec, refs: dict[str, TaskRef], out: Findings) -> None:
    """`/src` or `/src:/dst`; more than one `:` or an empty destination is invalid (an empty
    source is not: OSMO then says the platform does not allow that mount)."""
    for group in spec.groups:
        for task in group.tasks:
            for mi, mount in enumerate(task.volumeMounts):
                parts = mount.split(":")
                if len(parts) > 2 or (len(parts) == 2 and not parts[1]):
                    path = (*refs[task.name].task_path, "volumeMounts", mi)
                    out.add(f"Invalid task volume mount: {mount}.", path)


def check_platforms(
    spec: WorkflowSpec, pool: PoolConfig, refs: dict[str, TaskRef], out: Findings
) -> None:
    """Platform exists, the request fits one node, privileged/hostNetwork/mounts are allowed."""
    for name, resource in spec.resources.items():
        if resource.platform and resource.platform not in pool.platforms:
            message = f"Platform {resource.platform} does not exist in pool {pool.name}!"
            out.add(message, ("workflow", "resources", name, "platform"))
    for group in spec.groups:
        for task in group.tasks:
            res = task.resources
            platform = pool.platforms.get(res.platform or "")
            if platform is None:
                continue
            tpath = refs[task.name].task_path
            problem = fit_problem(res, platform)
            if problem:
                out.add(
                    f"Resource validation failed for task: {task.name}: {problem} on platform "
                    f"{res.platform} ({describe(platform)}). Requests must fit on one node.",
                    (*tpath, "resource"),
                )
            _check_privileges(task, res.platform or "", platform, tpath, out)


def fit_problem(res: ResourceSpec, platform: PlatformConfig) -> str | None:
    """Why `res` does not fit one node of `platform`, or None."""
    if res.cpu is not None and res.cpu > platform.cpu:
        return f"cpu {res.cpu} exceeds {platform.cpu}"
    if (res.gpu or 0) > platform.gpus:
        return f"gpu {res.gpu} exceeds {platform.gpus}"
    if res.memory is not None and parse_quantity(res.memory) > parse_quantity(platform.memory):
        return f"memory {res.memory} exceeds {platform.memory}"
    storage = platform.storage
    if res.storage and storage and parse_quantity(res.storage) > parse_quantity(storage):
        return f"storage {res.storage} exceeds {storage}"
    return None


def describe(platform: PlatformConfig) -> str:
    """One line about a platform's node shape, for messages and views."""
    gpus = f"{platform.gpus} GPU" + (f" {platform.gpu_model}" if platform.gpu_model else "")
    memory = format_quantity(parse_quantity(platform.memory))
    return f"{platform.arch}, {platform.cpu} CPU, {memory} memory, {gpus} per node"


def _check_privileges(
    task: TaskSpec, name: str, platform: PlatformConfig, tpath: Path, out: Findings
) -> None:
    if task.privileged and not platform.privileged_allowed:
        message = (
            f"Task with platform: {name} does not have privileged flag enabled. Task {task.name}"
        )
        out.add(message, (*tpath, "privileged"))
    if task.hostNetwork and not platform.host_network_allowed:
        message = (
            f"Task with platform: {name} does not have hostNetwork flag enabled. Task {task.name}"
        )
        out.add(message, (*tpath, "hostNetwork"))
    for mi, mount in enumerate(task.volumeMounts):
        src = mount.split(":")[0]
        mpath: Path = (*tpath, "volumeMounts", mi)
        if src in platform.default_mounts and src not in platform.allowed_mounts:
            out.add(
                f"Mount {src} is already provided by platform {name} and cannot be set in "
                f"volumeMounts. Remove it from the task spec. Task {task.name}",
                mpath,
            )
        elif src not in platform.allowed_mounts and src not in platform.default_mounts:
            message = f"Task with platform: {name} does not allow mount: {src}. Task {task.name}"
            out.add(message, mpath)
