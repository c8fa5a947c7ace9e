"""The pods the Kubernetes backend would create for a plan, without a cluster (`render --pods`)."""

from __future__ import annotations

import functools
from typing import Any

from simulator.backends.kubernetes import objects, pods
from simulator.backends.kubernetes.inventory import placements
from simulator.engine.plan import Plan
from simulator.errors import UsageError
from simulator.pool import resolve


def preview_pods(
    plan: Plan, pool: Any, task: str | None = None, namespace: str = "default"
) -> list[dict[str, Any]]:
    """First attempt's pod of every task (or of `task`), pod templates of the pool applied."""
    if task is not None and task not in plan.tasks:
        raise UsageError(f"no task {task!r} in the workflow: {', '.join(plan.tasks)}")
    used = {t.resource.platform or "" for t in plan.tasks.values()}
    ctx = objects.Context(
        run="preview",
        namespace=namespace,
        workflow_id=plan.workflow_id,
        owner="osmo-tui-render",
        placements=placements(pool, used)[0],
        pod_template=functools.partial(resolve.task_template, pool),
    )
    out = []
    for name, plan_task in plan.tasks.items():
        if task is not None and name != task:
            continue
        group = plan.groups[plan_task.group]
        spec = objects.substitute_hosts(ctx, group, objects.spec_dict(plan_task.spec))
        out.append(pods.task_pod(ctx, group, plan_task, 0, spec))
    return out
