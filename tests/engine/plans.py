"""Build engine Plans directly (no spec layer): compact shapes for rule tests."""

from __future__ import annotations

from typing import Any

from simulator.engine.plan import ExitActions, GroupPlan, Plan, ResourceNeeds, TaskPlan


def make_plan(
    groups: dict[str, list[str]],
    *,
    upstream: dict[str, list[str]] | None = None,
    lead: dict[str, str] | None = None,
    barrier: dict[str, bool] | None = None,
    ignore_nonlead: dict[str, bool] | None = None,
    exit_actions: dict[str, ExitActions] | None = None,
    resources: dict[str, ResourceNeeds] | None = None,
    **plan_fields: Any,
) -> Plan:
    """`groups` maps group -> task names; the first task leads unless `lead` says otherwise."""
    upstream = upstream or {}
    lead = lead or {}
    barrier = barrier or {}
    ignore_nonlead = ignore_nonlead or {}
    exit_actions = exit_actions or {}
    resources = resources or {}
    downstream: dict[str, list[str]] = {g: [] for g in groups}
    for g, ups in upstream.items():
        for u in ups:
            downstream[u].append(g)
    gplans: dict[str, GroupPlan] = {}
    tplans: dict[str, TaskPlan] = {}
    for g, tasks in groups.items():
        leader = lead.get(g, tasks[0])
        gplans[g] = GroupPlan(
            g,
            tuple(tasks),
            leader,
            barrier=barrier.get(g, True) and len(tasks) > 1,
            ignore_nonlead=ignore_nonlead.get(g, True),
            upstream=tuple(upstream.get(g, ())),
            downstream=tuple(downstream[g]),
        )
        for t in tasks:
            tplans[t] = TaskPlan(
                t,
                g,
                t == leader,
                resource=resources.get(t, ResourceNeeds()),
                exit_actions=exit_actions.get(t, ()),
            )
    return Plan("wf", "wf-1", gplans, tplans, **plan_fields)
