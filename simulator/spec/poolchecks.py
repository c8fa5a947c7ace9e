"""Checks OSMO makes against the pool: platforms, resource rules, privileges, mounts, task count."""

from __future__ import annotations

from simulator.common.units import format_quantity, parse_quantity
from simulator.common.yamlpos import Path
from simulator.pool import resolve
from simulator.pool.config import PlatformConfig, PoolConfig
from simulator.pool.rules import Node, first_failure, node_failure
from simulator.pool.tokens import user_tokens
from simulator.spec.checks import Findings, TaskRef
from simulator.spec.models import TaskSpec, WorkflowSpec

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
                    f'"{pool.name}". Available topology keys: {sorted(set(pool.topology_keys))}',
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
    """Platform exists, privileged/hostNetwork/mounts are allowed, and the pool's resource rules
    hold (OSMO's `validate_resources`: once per task, then per node for K8_* rules)."""
    for name, resource in spec.resources.items():
        if resource.platform and resource.platform not in pool.platforms:
            message = f"Platform {resource.platform} does not exist in pool {pool.name}!"
            out.add(message, ("workflow", "resources", name, "platform"))
    passed: set[tuple[str, str]] = set()
    for group in spec.groups:
        for task in group.tasks:
            res = task.resources
            platform = pool.platforms.get(res.platform or "")
            if platform is None:
                continue
            tpath = refs[task.name].task_path
            problem = resource_problem(task, pool, res.platform or "", passed)
            if problem:
                out.add(problem, (*tpath, "resource"))
            _check_privileges(task, res.platform or "", platform, tpath, out)


def resource_problem(
    task: TaskSpec,
    pool: PoolConfig,
    platform: str,
    passed: set[tuple[str, str]] | None = None,
    nodes: list[Node] | None = None,
) -> str | None:
    """OSMO's text when the task breaks a rule of its platform (on every node), else None.

    A failing node reports its first failing rule; `nodes` replaces the pool's declared nodes (a
    real cluster's). `passed` remembers resource specs that passed (OSMO caches them too), so a
    10,000-task workflow renders each distinct request once.
    """
    res = task.resources
    # tasks bound to one `workflow.resources` entry share its object: id() is the request
    key = (platform, f"{id(res)}|{task.cacheSize}")
    if passed is not None and key in passed:
        return None
    rule_list = resolve.rules(pool, platform)
    tokens = user_tokens(res, resolve.default_variables(pool, platform), task.cacheSize)
    failure = first_failure([r for r in rule_list if not r.per_node], tokens, task.name)
    if failure:
        return f"Resource validation failed for task: {task.name}\n{failure}"
    per_node = [r for r in rule_list if r.per_node]
    targets = resolve.nodes(pool, platform) if nodes is None else nodes
    found = node_failure(per_node, tokens, task.name, targets) if per_node else None
    if found is None and passed is not None:
        passed.add(key)
    return found


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
