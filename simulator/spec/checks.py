"""Document-wide rules of SPEC §2 and §4: names, leads, labels and the group DAG.

Each check appends (message, path, on_key) findings; the loader turns paths into locations.
Paths are the ones of the rendered document, e.g. ("workflow", "tasks", 0, "name").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from simulator.common.yamlpos import Path
from simulator.spec.models import TASK_NAME_REGEX, GroupSpec, TaskSpec, WorkflowSpec, k8s_name

MAX_NAME_LENGTH = 64
MAX_LABELS = 16
_LABEL_NAME = re.compile(r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?")
_DNS_LABEL = r"[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?"
_DNS_PREFIX = re.compile(rf"(?=.{{1,253}}$){_DNS_LABEL}(?:\.{_DNS_LABEL})*")
"""OSMO's `workflow_labels.py` (NVIDIA/OSMO e3b7b60, 2026-07-22): any qualified name is accepted,
`app.kubernetes.io/name` and `kai.scheduler/queue` included; no reserved prefixes (OSMO protects
its own pod labels by merging them after the user's)."""
DUPLICATE_NAME = (
    'Multiple tasks/groups have the same name: "{}". Note that names are not case sensitive and '
    'we consider "-" and "_" the same. For example, "Group_1" and "group-1" are considered the '
    "same name."
)


@dataclass
class Findings:
    items: list[tuple[str, Path, bool]] = field(default_factory=list)

    def add(self, message: str, path: Path, *, key: bool = False) -> None:
        self.items.append((message, path, key))

    def __bool__(self) -> bool:
        return bool(self.items)


@dataclass
class TaskRef:
    """Where a task and its group are in the rendered document (groups form or tasks form)."""

    group: str
    group_path: Path
    task_path: Path
    implicit_group: bool


def label_key_problem(key: str) -> str | None:
    """OSMO's message for a label key that is not a Kubernetes qualified name."""
    parts = key.split("/")
    if len(parts) > 2:
        return f'Workflow label key "{key}" is not a valid Kubernetes label key.'
    if len(parts) == 2 and not _DNS_PREFIX.fullmatch(parts[0]):
        return f'Workflow label key "{key}" has an invalid DNS prefix.'
    if not _LABEL_NAME.fullmatch(parts[-1]):
        return f'Workflow label key "{key}" has an invalid name segment.'
    return None


def label_value_problem(value: str) -> str | None:
    if _LABEL_NAME.fullmatch(value):
        return None
    return f'Workflow label value "{value}" is not a valid non-empty Kubernetes label value.'


def check_labels(labels: Any, out: Findings) -> None:
    """OSMO's label pre-check (before pydantic), run whenever the `labels` key is present (so
    `labels:` left empty is refused, as OSMO does): a map, at most 16, strings, K8s syntax."""
    path: Path = ("workflow", "labels")
    if not isinstance(labels, dict):
        out.add("Workflow labels must be a map of string keys to string values.", path)
        return
    if len(labels) > MAX_LABELS:
        out.add(f"Workflows can have at most {MAX_LABELS} labels.", path, key=True)
        return
    for key, value in labels.items():
        if not isinstance(key, str):
            out.add("Workflow label keys must be strings.", (*path, key), key=True)
            continue
        problem = label_key_problem(key)
        if problem:
            out.add(problem, (*path, key), key=True)
        if not isinstance(value, str):
            out.add("Workflow label values must be strings.", (*path, key))
        elif value_problem := label_value_problem(value):
            out.add(value_problem, (*path, key))


def task_refs(spec: WorkflowSpec) -> dict[str, TaskRef]:
    """Every task by name with its (possibly implicit) group and document paths."""
    refs: dict[str, TaskRef] = {}
    for gi, group in enumerate(spec.groups):
        gpath: Path = ("workflow", "groups", gi)
        for ti, task in enumerate(group.tasks):
            refs.setdefault(task.name, TaskRef(group.name, gpath, (*gpath, "tasks", ti), False))
    for ti, task in enumerate(spec.tasks):
        tpath: Path = ("workflow", "tasks", ti)
        refs.setdefault(task.name, TaskRef(f"{task.name}-group", tpath, tpath, True))
    return refs


def check_tasks_groups(workflow: dict[Any, Any], out: Findings) -> None:
    """OSMO's `WorkflowSpec.validate_tasks_groups`, a *before* validator: on the raw document,
    ahead of (and instead of) every field error: tasks vs groups, neither, unique names."""
    tasks, groups = workflow.get("tasks"), workflow.get("groups")
    if tasks and groups:
        out.add(
            "Cannot use both groups and tasks in the same workflow.",
            ("workflow", "tasks"),
            key=True,
        )
        return
    if not tasks and not groups:
        where = next((k for k in ("tasks", "groups") if k in workflow), None)
        path: Path = ("workflow", where) if where else ("workflow",)
        out.add("Workflows need to have at least one group or one task.", path, key=True)
        return
    names: list[tuple[str, Path]] = []
    for ti, item in enumerate(tasks if isinstance(tasks, list) else []):
        names += _raw_name(item, ("workflow", "tasks", ti))
    for gi, group in enumerate(groups if isinstance(groups, list) else []):
        gpath: Path = ("workflow", "groups", gi)
        names += _raw_name(group, gpath)
        inner = group.get("tasks") if isinstance(group, dict) else None
        for ti, item in enumerate(inner if isinstance(inner, list) else []):
            names += _raw_name(item, (*gpath, "tasks", ti))
    _unique(names, out)


def _raw_name(entry: Any, path: Path) -> list[tuple[str, Path]]:
    """An entry's name as OSMO's before validator sees it (entries without one are skipped)."""
    if isinstance(entry, dict) and isinstance(entry.get("name"), str):
        return [(entry["name"], (*path, "name"))]
    return []


def check_structure(spec: WorkflowSpec, out: Findings) -> None:
    """Empty groups, leads, then names again with the implicit `<task>-group` ones (OSMO's
    re-validation after its parse; the rest ran on the raw document, `check_tasks_groups`)."""
    for gi, group in enumerate(spec.groups):
        gpath: Path = ("workflow", "groups", gi)
        if not group.tasks:
            out.add(f'Group "{group.name}" needs to have at least one task.', (*gpath, "tasks"))
        elif len(group.tasks) > 1:
            leads = sum(1 for t in group.tasks if t.lead)
            if leads != 1:
                message = f'Group "{group.name}" has {leads} leader(s) but must have exactly one.'
                out.add(message, (*gpath, "name"))
    if out:
        return
    names: list[tuple[str, Path]] = []
    for gi, group in enumerate(spec.groups):
        names.append((group.name, ("workflow", "groups", gi, "name")))
        names += [
            (t.name, ("workflow", "groups", gi, "tasks", ti, "name"))
            for ti, t in enumerate(group.tasks)
        ]
    for ti, t in enumerate(spec.tasks):
        # OSMO re-validates in groups form: each implicit group's name, then its task's
        names += [
            (f"{t.name}-group", ("workflow", "tasks", ti, "name")),
            (t.name, ("workflow", "tasks", ti, "name")),
        ]
    _unique(names, out)


def _unique(names: list[tuple[str, Path]], out: Findings) -> None:
    seen: set[str] = set()
    for name, path in names:
        folded = k8s_name(name)
        if folded in seen:
            out.add(DUPLICATE_NAME.format(folded), path)
        seen.add(folded)


def groups_in_order(spec: WorkflowSpec) -> list[tuple[str, list[tuple[Path, TaskSpec]]]]:
    """(group name, [(task path, task)]) in list order, for either form of the workflow."""
    if spec.groups:
        return [
            (g.name, [(("workflow", "groups", gi, "tasks", ti), t) for ti, t in enumerate(g.tasks)])
            for gi, g in enumerate(spec.groups)
        ]
    return [
        (f"{t.name}-group", [(("workflow", "tasks", ti), t)]) for ti, t in enumerate(spec.tasks)
    ]


def check_dag(spec: WorkflowSpec, refs: dict[str, TaskRef], out: Findings) -> None:
    """Producers before consumers, in list order; no same-group or unknown task inputs (§4.3)."""
    seen: set[str] = set()
    for group, tasks in groups_in_order(spec):
        for tpath, task in tasks:
            for ii, inp in enumerate(task.inputs):
                if not hasattr(inp, "task"):
                    continue
                ipath: Path = (*tpath, "inputs", ii, "task")
                match = TASK_NAME_REGEX.fullmatch(inp.task)
                if not match:
                    out.add(f"Invalid Task Input: {inp.task}", ipath)
                    continue
                if match.group("previous_task"):
                    continue  # `<workflow_id>:<task>`: an earlier workflow, no dependency
                ref = refs.get(inp.task)
                if ref is None:
                    out.add(f"Task input {inp.task} does not exist.", ipath)
                elif ref.group not in seen:
                    message = (
                        f'Group "{group}" requires input group "{ref.group}" exists before itself.'
                    )
                    out.add(message, ipath)
        seen.add(group)


def check_name_lengths(spec: WorkflowSpec, refs: dict[str, TaskRef], out: Findings) -> None:
    """Names longer than OSMO's `max_name_length` (64), checked after pydantic as OSMO does."""

    def check(name: str, path: Path) -> None:
        if len(name) > MAX_NAME_LENGTH:
            message = f"Name {name} is too long. It must be {MAX_NAME_LENGTH} characters or less."
            out.add(message, path)

    check(spec.name, ("workflow", "name"))
    for group in spec.groups:
        lead = group.tasks[0].name if group.tasks else ""
        ref = refs.get(lead)
        if ref is not None:
            check(group.name, (*ref.group_path, "name"))
        for task in group.tasks:
            check(task.name, (*refs[task.name].task_path, "name"))


def to_groups(spec: WorkflowSpec) -> WorkflowSpec:
    """OSMO's parse: every top-level task becomes the only task of a group `<task>-group`."""
    if not spec.tasks:
        return spec
    groups = [GroupSpec(name=f"{t.name}-group", tasks=[t]) for t in spec.tasks]
    return spec.model_copy(update={"groups": groups, "tasks": []})


def check_topology_keys(spec: WorkflowSpec, out: Findings) -> None:
    """OSMO's `topology.validate_topology_requirements` at submit: every task that has topology
    requirements uses the same set of keys (tasks without any are free), across the workflow."""
    key_sets: dict[tuple[str, ...], str] = {}
    for group in spec.groups:
        for task in group.tasks:
            if task.resources.topology:
                keys = tuple(sorted(req.key for req in task.resources.topology))
                key_sets.setdefault(keys, task.resource)
    if len(key_sets) <= 1:
        return
    # OSMO lists the sets in `set` order (varies per process); we list them as first used
    found = [", ".join(keys) for keys in key_sets]
    message = (
        "Topology validation failed: All tasks must use the same topology keys. "
        f"Found different key sets: {found}. Either all tasks should have topology requirements "
        "with the same keys, or no tasks should have topology requirements."
    )
    second = list(key_sets.values())[1]
    out.add(message, ("workflow", "resources", second, "topology"), key=True)
