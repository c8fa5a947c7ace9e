"""The group DAG of a loaded workflow, and its text, Mermaid, Graphviz and JSON renderings."""

from __future__ import annotations

import json
from typing import Any

from simulator.pool.config import PoolConfig
from simulator.spec.models import TaskInput, WorkflowSpec


def group_edges(spec: WorkflowSpec) -> list[tuple[str, str]]:
    """(upstream group, downstream group) pairs from same-workflow task inputs, in spec order."""
    group_of = {t.name: g.name for g in spec.groups for t in g.tasks}
    edges: list[tuple[str, str]] = []
    for group in spec.groups:
        for task in group.tasks:
            for inp in task.inputs:
                if isinstance(inp, TaskInput) and ":" not in inp.task and inp.task in group_of:
                    edge = (group_of[inp.task], group.name)
                    if edge not in edges:
                        edges.append(edge)
    return edges


def graph_data(spec: WorkflowSpec, pool: PoolConfig) -> dict[str, Any]:
    """Groups with their tasks (lead, platform, arch, GPUs) and the edges between groups."""
    edges = group_edges(spec)
    groups = []
    for group in spec.groups:
        tasks = []
        for task in group.tasks:
            platform = task.resources.platform or ""
            config = pool.platforms.get(platform)
            tasks.append(
                {
                    "name": task.name,
                    "lead": task.lead,
                    "image": task.image,
                    "resource": task.resource,
                    "platform": platform,
                    "arch": config.arch if config else None,
                    "gpus": task.resources.gpu or 0,
                    "inputs": [
                        getattr(i, "task", None) or getattr(i, "url", "") for i in task.inputs
                    ],
                }
            )
        groups.append(
            {
                "name": group.name,
                "barrier": group.barrier and len(group.tasks) > 1,
                "ignoreNonleadStatus": group.ignoreNonleadStatus,
                "upstream": [a for a, b in edges if b == group.name],
                "tasks": tasks,
            }
        )
    return {"workflow": spec.name, "groups": groups, "edges": [list(e) for e in edges]}


def _task_label(task: dict[str, Any]) -> str:
    gpus = f", {task['gpus']} GPU" if task["gpus"] else ""
    lead = " (lead)" if task["lead"] else ""
    return f"{task['name']}{lead} [{task['platform']} {task['arch']}{gpus}]"


def to_text(data: dict[str, Any]) -> str:
    groups = data["groups"]
    count = sum(len(g["tasks"]) for g in groups)
    lines = [f"workflow {data['workflow']}: {len(groups)} group(s), {count} task(s)"]
    for group in groups:
        after = f"  <- {', '.join(group['upstream'])}" if group["upstream"] else ""
        flags = [] if len(group["tasks"]) < 2 else ["barrier" if group["barrier"] else "no barrier"]
        if not group["ignoreNonleadStatus"]:
            flags.append("any failure fails the group")
        shown = f"  [{', '.join(flags)}]" if flags else ""
        lines.append(f"group {group['name']}{after}{shown}")
        for task in group["tasks"]:
            lines.append(f"  {'*' if task['lead'] else '-'} {_task_label(task)}")
    return "\n".join(lines)


def _id(name: str) -> str:
    return "n_" + name.replace("-", "_")


def to_mermaid(data: dict[str, Any]) -> str:
    lines = ["flowchart LR"]
    for group in data["groups"]:
        lines.append(f'  subgraph {_id("g_" + group["name"])}["{group["name"]}"]')
        for task in group["tasks"]:
            lines.append(f'    {_id(task["name"])}["{_task_label(task)}"]')
        lines.append("  end")
    for up, down in data["edges"]:
        lines.append(f"  {_id('g_' + up)} --> {_id('g_' + down)}")
    return "\n".join(lines)


def to_dot(data: dict[str, Any]) -> str:
    lines = [f'digraph "{data["workflow"]}" {{', "  rankdir=LR; compound=true; node [shape=box];"]
    for group in data["groups"]:
        lines.append(f'  subgraph "cluster_{group["name"]}" {{ label="{group["name"]}";')
        for task in group["tasks"]:
            style = ', style="bold"' if task["lead"] else ""
            lines.append(f'    "{task["name"]}" [label="{_task_label(task)}"{style}];')
        lines.append("  }")
    first = {g["name"]: g["tasks"][0]["name"] for g in data["groups"] if g["tasks"]}
    for up, down in data["edges"]:
        lines.append(
            f'  "{first[up]}" -> "{first[down]}" [ltail="cluster_{up}", lhead="cluster_{down}"];'
        )
    lines.append("}")
    return "\n".join(lines)


def render_graph(spec: WorkflowSpec, pool: PoolConfig, fmt: str) -> str:
    """The graph in `text`, `mermaid`, `dot` or `json`."""
    data = graph_data(spec, pool)
    if fmt == "json":
        return json.dumps(data, indent=2)
    return {"text": to_text, "mermaid": to_mermaid, "dot": to_dot}[fmt](data)
