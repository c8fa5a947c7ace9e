"""`plan_from_spec`: reduce a loaded, validated workflow to the engine's `Plan` (SPEC §5.1)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from simulator.common.units import format_duration, parse_duration, parse_exit_codes, parse_quantity
from simulator.engine.plan import ExitActions, GroupPlan, Plan, ResourceNeeds, TaskPlan
from simulator.spec.models import TaskInput
from simulator.spec.tokens import substitute_tokens

if TYPE_CHECKING:
    from simulator.spec.loader import LoadedWorkflow


def sim_hostname(task: str, group: str, workflow_id: str) -> str:
    """A stable, DNS-shaped hostname for `{{host:<task>}}` in the simulator."""
    return f"{task}.osmo-{group}.{workflow_id}.svc.cluster.local"


def _host_of(group: str, workflow_id: str) -> Callable[[str], str]:
    return lambda peer: sim_hostname(peer, group, workflow_id)


def exit_actions(actions: dict[str, str]) -> ExitActions:
    """`{complete: "0-10"}` → (("COMPLETE", ((0, 10),)),) in the spec's order."""
    return tuple((key.upper(), parse_exit_codes(str(codes))) for key, codes in actions.items())


def _bytes(value: Any) -> int | None:
    return None if value in (None, "") else parse_quantity(value)


def _timeout(value: Any, default: str) -> tuple[float, str]:
    value = default if value is None else value
    seconds = parse_duration(value)
    return seconds, value if isinstance(value, str) else format_duration(seconds)


def plan_from_spec(loaded: LoadedWorkflow, *, workflow_id: str | None = None) -> Plan:
    """The execution plan of a loaded workflow: groups, DAG, leads, resources, timeouts, retries."""
    spec = loaded.spec
    pool = loaded.pool
    wf_id = workflow_id or f"{spec.name}-1"
    group_of = {task.name: group.name for group in spec.groups for task in group.tasks}
    upstream: dict[str, list[str]] = {g.name: [] for g in spec.groups}
    downstream: dict[str, list[str]] = {g.name: [] for g in spec.groups}
    tasks: dict[str, TaskPlan] = {}
    for group in spec.groups:
        for task in group.tasks:
            inputs = tuple(
                i.task for i in task.inputs if isinstance(i, TaskInput) and i.task in group_of
            )
            for name in inputs:
                producer = group_of[name]
                if producer != group.name and producer not in upstream[group.name]:
                    upstream[group.name].append(producer)
                    downstream[producer].append(group.name)
            substituted = task
            if "{{" in task.model_dump_json():  # most tasks have no token: skip the deep copy
                substituted, _ = substitute_tokens(
                    task, group=group, workflow_id=wf_id, host_of=_host_of(group.name, wf_id)
                )
            res = task.resources
            tasks[task.name] = TaskPlan(
                name=task.name,
                group=group.name,
                lead=task.lead or len(group.tasks) == 1,
                resource=ResourceNeeds(
                    cpu=res.cpu,
                    gpu=res.gpu or 0,
                    memory=_bytes(res.memory),
                    storage=_bytes(res.storage),
                    platform=res.platform,
                ),
                resource_name=task.resource,
                exit_actions=exit_actions(task.exitActions),
                inputs=inputs,
                spec=substituted,
            )
    groups: dict[str, GroupPlan] = {}
    for group in spec.groups:
        names = tuple(t.name for t in group.tasks)
        lead = next((n for n in names if tasks[n].lead), names[0])
        groups[group.name] = GroupPlan(
            name=group.name,
            tasks=names,
            lead=lead,
            barrier=group.barrier and len(names) > 1,
            ignore_nonlead=group.ignoreNonleadStatus,
            upstream=tuple(upstream[group.name]),
            downstream=tuple(downstream[group.name]),
        )
    timeout = spec.timeout
    exec_s, exec_text = _timeout(
        timeout.exec_timeout if timeout else None, pool.default_exec_timeout
    )
    queue_s, queue_text = _timeout(
        timeout.queue_timeout if timeout else None, pool.default_queue_timeout
    )
    return Plan(
        workflow=spec.name,
        workflow_id=wf_id,
        groups=groups,
        tasks=tasks,
        exec_timeout=exec_s,
        queue_timeout=queue_s,
        max_retry=pool.max_retry_per_task,
        default_exit_actions=exit_actions(pool.default_exit_actions),
        exec_timeout_text=exec_text,
        queue_timeout_text=queue_text,
        start_timeout=parse_duration(pool.max_pod_restart_limit),
        start_timeout_text=pool.max_pod_restart_limit,
    )
