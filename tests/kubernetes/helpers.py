"""Plans for the Kubernetes tests, built from task specs (no workflow file needed)."""

from __future__ import annotations

from typing import Any

from simulator.engine.plan import GroupPlan, Plan, ResourceNeeds, TaskPlan
from simulator.spec.models import ResourceSpec, TaskSpec


def task(
    name: str,
    group: str,
    *,
    lead: bool = False,
    script: str = "exit 0",
    platform: str | None = None,
    gpu: int = 0,
    cpu: int | None = None,
    memory: int | None = None,
    inputs: tuple[str, ...] = (),
    **spec: Any,
) -> TaskPlan:
    resources = ResourceSpec(
        platform=platform, gpu=gpu, cpu=cpu, nodesExcluded=spec.pop("nodesExcluded", [])
    )
    model = TaskSpec(
        name=name,
        image="busybox:1.36",
        command=["sh", "-c", script],
        lead=lead,
        inputs=[{"task": t} for t in inputs],
        resources=resources,
        **spec,
    )
    needs = ResourceNeeds(cpu=cpu, gpu=gpu, memory=memory, platform=platform)
    return TaskPlan(name, group, lead, needs, "default", (), inputs, model)


def plan(
    *groups: tuple[str, list[TaskPlan]],
    workflow_id: str = "wf-1",
    barrier: bool = True,
    upstream: dict[str, tuple[str, ...]] | None = None,
    **timeouts: Any,
) -> Plan:
    upstream = upstream or {}
    tasks = {t.name: t for _, ts in groups for t in ts}
    gplans = {}
    for name, ts in groups:
        lead = next((t.name for t in ts if t.lead), ts[0].name)
        down = tuple(g for g, ups in upstream.items() if name in ups)
        gplans[name] = GroupPlan(
            name,
            tuple(t.name for t in ts),
            lead,
            barrier and len(ts) > 1,
            True,
            upstream.get(name, ()),
            down,
        )
    return Plan("wf", workflow_id, gplans, tasks, **timeouts)
