"""The key of a group: everything that can change its tasks' results, hashed (docs/reuse.md).

Per task: the rendered spec (image reference, command, args, environment after token
substitution, files with their inlined `localpath` contents, inputs, outputs, resources: GPU
count and platform included), the exit actions and retry limit, a fingerprint of its credentials'
values (a hash, never the values), what the backend says it would run (the image's local ID or
digest, the architecture) and the content hash of every input. Anything not understood is a miss:
a task with `checkpoint` (it writes while it runs), host `volumeMounts` (contents we do not hash),
an input from another workflow or from its own group, an image or input the backend cannot
identify.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping
from typing import Any

from simulator.common.digests import canonical, sha256_of
from simulator.credentials import resolve
from simulator.engine.plan import GroupPlan, Plan, TaskPlan
from simulator.errors import OsmoTuiError

KEY_VERSION = 1
"""Bumped whenever what a key covers changes: old entries then simply miss."""


def reusable_spec(plan: Plan, task: TaskPlan) -> str:
    """Why the task can never be reused ('' when it can)."""
    spec = task.spec
    if spec is None:
        return "no spec"
    if spec.checkpoint:
        return "it has checkpoints"
    if spec.volumeMounts:
        return "it mounts host paths"
    group = plan.groups[task.group]
    for item in spec.inputs:
        name = getattr(item, "task", None)
        if name is None:
            continue
        if ":" in name:
            return f"its input {name} comes from another workflow"
        if name in group.tasks or name not in plan.tasks:
            return f"its input {name} is not an upstream task"
    return ""


def credential_fingerprint(task: TaskPlan, store: Mapping[str, Mapping[str, str]]) -> str | None:
    """A hash of the values the task's credentials inject (None: they do not resolve)."""
    spec = task.spec
    if spec is None or not spec.credentials:
        return ""
    try:
        injection = resolve(
            task.name, dict(spec.credentials), {k: dict(v) for k, v in store.items()}
        )
    except OsmoTuiError:
        return None
    material = {"env": injection.env, "files": sorted(injection.files)}
    return hashlib.sha256(b"osmo-tui credentials\0" + canonical(material)).hexdigest()


def task_material(
    plan: Plan,
    task: TaskPlan,
    *,
    identity: Mapping[str, Any],
    inputs: list[str],
    credentials: str,
) -> dict[str, Any]:
    spec = task.spec
    assert spec is not None
    return {
        "spec": spec.model_dump(mode="json"),
        "lead": task.lead,
        "resource": dataclasses.asdict(task.resource),
        "exit_actions": task.exit_actions,
        "identity": dict(identity),
        "inputs": list(inputs),
        "credentials": credentials,
    }


def group_key(plan: Plan, group: GroupPlan, tasks: Mapping[str, Mapping[str, Any]]) -> str:
    """The key of `group` from each task's material (`task_material`)."""
    return sha256_of(
        {
            "version": KEY_VERSION,
            "group": group.name,
            "lead": group.lead,
            "barrier": group.barrier,
            "ignore_nonlead": group.ignore_nonlead,
            "max_retry": plan.max_retry,
            "default_exit_actions": plan.default_exit_actions,
            "tasks": {name: tasks[name] for name in group.tasks},
        }
    )
