"""What `osmo workflow submit` adds to the file, and OSMO's submit-time checks that use it.

`--label KEY=VALUE` (over the spec's own labels), `--priority HIGH|NORMAL|LOW` and `--set-env
KEY=VALUE` (over every task's environment); then, as OSMO's
`validate_workflow_spec` does (SPEC §4.2 step 7): pool maintenance, the pool's GPU guarantee for
NORMAL/HIGH priority groups, and each task's `credentials:` against the user's generic
credentials, here the local store of `simulator.credentials`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from simulator import credentials as local_store
from simulator.errors import UsageError
from simulator.pool.config import PoolConfig
from simulator.spec.checks import Findings, TaskRef, label_key_problem, label_value_problem
from simulator.spec.diagnostics import SpecWarning
from simulator.spec.models import WorkflowSpec

PRIORITIES = ("HIGH", "NORMAL", "LOW")
LOW_PRIORITY_WARNING = "LOW priority can be preempted during the run."
"""What OSMO's CLI prints on submitting with `--priority LOW`."""


@dataclass(frozen=True)
class Submission:
    """The submit options that change validation (defaults: what `osmo workflow submit` uses)."""

    labels: tuple[str, ...] = ()
    """`--label KEY=VALUE`, in order; each overrides the spec's label of that key."""
    priority: str = "NORMAL"
    pool: str | None = None
    """`--pool NAME`: the pool of the pool config (OSMO configuration) to validate against."""
    env: tuple[str, ...] = ()
    """`--set-env KEY=VALUE`, in order; each overrides KEY in every task's environment."""


def parse_priority(text: str) -> str:
    """`--priority`, case-insensitive like OSMO's."""
    value = text.upper()
    if value not in PRIORITIES:
        raise UsageError(f"--priority must be HIGH, NORMAL or LOW, not {text!r}")
    return value


def parse_labels(items: Iterable[str]) -> dict[str, str]:
    """`--label KEY=VALUE` assignments with OSMO's messages; a bad one is a usage error."""
    labels: dict[str, str] = {}
    for item in items:
        if "=" not in item:
            raise UsageError(f"--label {item}: Workflow labels must use key=value format.")
        key, value = item.split("=", 1)
        problem = label_key_problem(key) or label_value_problem(value)
        if problem:
            raise UsageError(f"--label {item}: {problem}")
        labels[key] = value
    return labels


def parse_set_env(items: Iterable[str]) -> dict[str, str]:
    """`--set-env` as OSMO's service reads it (`workflow_service.submit_workflow`): the value is
    the text between the first and the second `=` (`A=b=c` gives `b`); no `=` is an error."""
    pairs: dict[str, str] = {}
    for item in items:
        parts = item.split("=")
        if len(parts) < 2:
            raise UsageError(
                f"--set-env {item}: Environment variable {item} is incorrectly formatted"
            )
        pairs[parts[0]] = parts[1]
    return pairs


def apply_set_env(spec: WorkflowSpec, env: dict[str, str]) -> None:
    """Override (or add, after the task's own) each variable in every task's environment, on
    the validated spec and before OSMO's parse, as OSMO does (SPEC §1.2 step 7)."""
    if env:
        for task in spec.all_tasks():
            task.environment.update(env)


def maintenance_error(pool: PoolConfig) -> str | None:
    if not pool.maintenance:
        return None
    return (
        f"Pool {pool.name} is undergoing maintenance. Users will have to wait until maintenance "
        "is completed before submission."
    )


def check_gpu_guarantee(
    spec: WorkflowSpec,
    pool: PoolConfig,
    priority: str,
    refs: dict[str, TaskRef],
    out: Findings,
) -> None:
    """NORMAL and HIGH groups must fit the pool's guaranteed GPUs; LOW ones may borrow."""
    guarantee = pool.gpu_guarantee
    if priority == "LOW" or guarantee is None or guarantee < 0:
        return
    for group in spec.groups:
        need = sum(task.resources.gpu or 0 for task in group.tasks)
        if need > guarantee and group.tasks:
            ref = refs[group.tasks[0].name]
            out.add(
                f"Pool {pool.name} has {guarantee} GPUs guaranteed for NORMAL/HIGH priority "
                f"workflows and group {group.name} requires {need} GPUs. Higher gpu counts must "
                "be submitted with LOW priority",
                (*ref.group_path, "name"),
            )


def check_credentials(
    spec: WorkflowSpec, refs: dict[str, TaskRef], out: Findings, dependencies: list[Path]
) -> list[tuple[str, tuple[object, ...]]]:
    """Each task's credentials against the local store; returns warnings (message, path) when
    there is no store to check them against. The store joins `dependencies` (hot reload
    re-validates when it is created or edited)."""
    users = [t for g in spec.groups for t in g.tasks if t.credentials]
    if not users:
        return []
    path = local_store.credentials_path()
    dependencies.append(path)
    if not local_store.store_present(path):
        names = sorted({name for task in users for name in task.credentials})
        message = (
            f"credentials {', '.join(names)} not checked: no local credential store at {path} "
            "(osmo-tui's stand-in for `osmo credential set`; OSMO refuses credentials you have "
            "not set)"
        )
        return [(message, (*refs[users[0].name].task_path, "credentials"))]
    store = local_store.load_credentials(path)
    for task in users:
        cpath = (*refs[task.name].task_path, "credentials")
        for name, env, message in local_store.problems(task.credentials, store):
            if env is None:
                out.add(message, (*cpath, name), key=True)
            else:
                out.add(message, (*cpath, name, env))
    return []


def low_priority_warning(priority: str) -> list[SpecWarning]:
    return [SpecWarning(LOW_PRIORITY_WARNING, None)] if priority == "LOW" else []
