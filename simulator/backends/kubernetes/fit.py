"""The pool's per-node resource rules checked against the cluster's real nodes (OSMO's
`validate_resources` over the backend's node inventory)."""

from __future__ import annotations

from typing import Any

from simulator.backends.kubernetes.inventory import Inventory, rule_nodes
from simulator.backends.kubernetes.objects import Placement
from simulator.engine.plan import Plan
from simulator.pool import resolve


def cluster_problems(
    plan: Plan, pool: Any, inv: Inventory, places: dict[str, Placement]
) -> list[str]:
    """OSMO's refusal text for each task no node of this cluster can take (first per request)."""
    from simulator.spec.models import TaskSpec
    from simulator.spec.poolchecks import resource_problem

    problems: list[str] = []
    passed: set[tuple[str, str]] = set()
    nodes_of: dict[str, list[Any]] = {}
    for task in plan.tasks.values():
        platform = task.resource.platform or ""
        if not isinstance(task.spec, TaskSpec) or platform not in pool.platforms:
            continue
        if platform not in nodes_of:
            nodes_of[platform] = rule_nodes(
                inv, _selector(pool, platform, places), pool.name, platform
            )
        if not nodes_of[platform]:
            problems.append(f"There are no resources in platform {platform} and pool {pool.name}!")
            continue
        problem = resource_problem(task.spec, pool, platform, passed, nodes_of[platform])
        if problem:
            problems.append(problem)
    return list(dict.fromkeys(problems))


def _selector(pool: Any, platform: str, places: dict[str, Placement]) -> dict[str, str]:
    """The platform's placement labels plus its pod template's nodeSelector."""
    selector = dict(places[platform].node_selector) if platform in places else {}
    spec = resolve.pod_template(pool, platform).get("spec")
    if isinstance(spec, dict) and isinstance(spec.get("nodeSelector"), dict):
        selector.update({str(k): str(v) for k, v in spec["nodeSelector"].items()})
    return selector
