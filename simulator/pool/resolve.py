"""A platform's effective rules, variables, pod template and nodes; the pool's reference checks.

OSMO resolves these when a pool is written (`Pool.calculate_*` in src/utils/connectors/postgres.py,
`_resolve_platform_fields` in src/service/core/config/configmap_loader.py): pool-level lists
first, then the platform's own, in list order.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from types import SimpleNamespace
from typing import Any

from simulator.pool import podtemplates
from simulator.pool.config import PlatformConfig, PoolConfig
from simulator.pool.rules import Node, ResourceAssertion, names_in, render
from simulator.pool.tokens import (
    K8_TOKENS,
    POD_TOKENS,
    USER_TOKENS,
    exposed_fields,
    k8_tokens,
    user_tokens,
)

Finding = tuple[str, tuple[Any, ...]]
"""A message and the pool-config path it is about."""


def rules(pool: PoolConfig, platform: str) -> list[ResourceAssertion]:
    """The pool's common rule sets, then the platform's, in order."""
    names = list(pool.common_resource_validations)
    spec = pool.platforms.get(platform)
    names += list(spec.resource_validations) if spec else []
    return [rule for name in names for rule in pool.resource_validations.get(name, [])]


def default_variables(pool: PoolConfig, platform: str) -> dict[str, Any]:
    """`common_default_variables` with the platform's `default_variables` over them."""
    spec = pool.platforms.get(platform)
    return podtemplates.recursive_dict_update(
        copy.deepcopy(pool.common_default_variables),
        spec.default_variables if spec else {},
        podtemplates.merge_lists_on_name,
    )


def pod_template(pool: PoolConfig, platform: str) -> dict[str, Any]:
    """The pool's `common_pod_template` merged in order, then the platform's overrides."""
    spec = pool.platforms.get(platform)
    names = [*pool.common_pod_template, *(spec.override_pod_template if spec else [])]
    return podtemplates.merged(names, pool.pod_templates)


def task_template(
    pool: PoolConfig,
    platform: str,
    resources: Mapping[str, Any],
    container: str,
    cache_size: str | None = None,
) -> dict[str, Any]:
    """The platform's pod template rendered for one task (`{}` without templates).

    Tokens are OSMO's: USER_* of the task's resources over the default variables,
    USER_CONTAINER_NAME (the task's container, so the template merges into it) and WF_POOL.
    """
    template = pod_template(pool, platform)
    if not template:
        return {}
    res = SimpleNamespace(
        cpu=resources.get("cpu"),
        gpu=resources.get("gpu"),
        memory=resources.get("memory"),
        storage=resources.get("storage"),
        nodesExcluded=list(resources.get("nodesExcluded") or []),
    )
    tokens = user_tokens(res, default_variables(pool, platform), cache_size)
    tokens.update(USER_CONTAINER_NAME=container, WF_POOL=pool.name)
    return podtemplates.substitute(template, tokens, render)


def nodes(pool: PoolConfig, platform: str) -> list[Node]:
    """The platform's nodes as the pool config declares them (`nodes` identical ones)."""
    spec = pool.platforms.get(platform)
    if spec is None:
        return []
    return [
        node_of(
            f"{platform}-{i}", pool.name, platform, spec.cpu, spec.memory, spec.storage, spec.gpus
        )
        for i in range(max(1, spec.nodes))
    ]


def node_of(
    name: str, pool: str, platform: str, cpu: float, memory: str, storage: str | None, gpus: int
) -> Node:
    """A node from its allocatable resources."""
    return Node(
        k8_tokens(cpu, memory, storage, gpus),
        exposed_fields(name, pool, platform, cpu, memory, storage, gpus),
    )


def check(pool: PoolConfig) -> list[Finding]:
    """Unknown rule sets and pod templates (OSMO's messages) and unknown tokens in rules."""
    found: list[Finding] = []
    for i, name in enumerate(pool.common_resource_validations):
        if name not in pool.resource_validations:
            found.append(
                (f"Resource validation {name} does not exist!", ("common_resource_validations", i))
            )
    for i, name in enumerate(pool.common_pod_template):
        if name not in pool.pod_templates:
            found.append((f"Pod template {name} does not exist!", ("common_pod_template", i)))
    for pname, spec in pool.platforms.items():
        found += _check_platform(pool, pname, spec)
    found += _check_tokens(pool)
    found += _check_templates(pool)
    return found


def _check_platform(pool: PoolConfig, name: str, spec: PlatformConfig) -> Iterator[Finding]:
    for i, ref in enumerate(spec.resource_validations):
        if ref not in pool.resource_validations:
            path = ("platforms", name, "resource_validations", i)
            yield f"Resource validation {ref} does not exist!", path
    for i, ref in enumerate(spec.override_pod_template):
        if ref not in pool.pod_templates:
            yield (
                f"Pod template {ref} does not exist!",
                ("platforms", name, "override_pod_template", i),
            )


def _check_tokens(pool: PoolConfig) -> Iterator[Finding]:
    """Each rule a platform uses may only name tokens and that platform's default variables."""
    reported: set[tuple[str, int, str]] = set()
    for pname, spec in pool.platforms.items():
        known = {*USER_TOKENS, *POD_TOKENS, *default_variables(pool, pname)}
        sets = [*pool.common_resource_validations, *spec.resource_validations]
        for set_name in dict.fromkeys(sets):
            for i, rule in enumerate(pool.resource_validations.get(set_name, [])):
                # K8_* exist only for per-node rules (OSMO renders static ones without them)
                names = known | set(K8_TOKENS) if rule.per_node else known
                for field in ("left_operand", "right_operand", "assert_message"):
                    where = (set_name, i, field)
                    message = _token_problem(getattr(rule, field), names, set_name, pname)
                    if message and where not in reported:
                        reported.add(where)
                        yield message, ("resource_validations", *where)


def _token_problem(text: str, known: set[str], set_name: str, platform: str) -> str | None:
    try:
        unknown = sorted(names_in(text) - known)
    except ValueError as exc:
        return f"Resource validation {set_name}: {exc}"
    if not unknown:
        return None
    if unknown[0] in K8_TOKENS:
        return (
            f"Token {unknown[0]} in resource validation {set_name} is only defined in per-node "
            "rules: the first {{...}} of an operand must name a K8_* token"
        )
    return (
        f"Unknown token {unknown[0]} in resource validation {set_name} (platform {platform}): "
        f"use USER_*, K8_* ({', '.join(K8_TOKENS)}) or a default variable"
    )


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def _check_templates(pool: PoolConfig) -> Iterator[Finding]:
    """Pod templates may name USER_*, USER_CONTAINER_NAME, WF_* and default variables."""
    used = {*pool.common_pod_template}
    for spec in pool.platforms.values():
        used |= set(spec.override_pod_template)
    known = {*USER_TOKENS, *POD_TOKENS, *pool.common_default_variables}
    for spec in pool.platforms.values():
        known |= set(spec.default_variables)
    for name in sorted(n for n in used if n in pool.pod_templates):
        for text in _strings(pool.pod_templates[name]):
            try:
                unknown = sorted(n for n in names_in(text) - known if not n.startswith("WF_"))
            except ValueError as exc:
                yield f"Pod template {name}: {exc}", ("pod_templates", name)
                break
            if unknown:
                message = f"Unknown token {unknown[0]} in pod template {name}"
                yield message, ("pod_templates", name)
                break
