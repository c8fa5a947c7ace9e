"""Checks and inputs of a run before anything is created: credentials, pool, data warnings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from simulator.backends.kubernetes import objects
from simulator.engine.plan import Plan


def default_pool() -> Any:
    from simulator.pool.config import load_pool

    return load_pool()


def credentials(plan: Plan, given: dict[str, dict[str, str]] | None) -> dict[str, dict[str, str]]:
    """The credentials the plan's tasks name, checked with OSMO's messages (as Docker does)."""
    from simulator.credentials import load_for_run, resolve

    wanted = {
        t.name: objects.spec_dict(t.spec).get("credentials") or {} for t in plan.tasks.values()
    }
    if not any(wanted.values()):
        return {}
    store = load_for_run() if given is None else given
    for task, creds in wanted.items():
        resolve(task, creds, store)
    return {c: store[c] for creds in wanted.values() for c in creds}


def masker(store: dict[str, dict[str, str]]) -> Callable[[str], str]:
    from simulator.credentials import Masker

    return Masker({v for values in store.values() for v in values.values()})


def data_warnings(plan: Plan, pvc: str | None) -> list[str]:
    out = []
    for task in plan.tasks.values():
        spec = objects.spec_dict(task.spec)
        if any("url" in i for i in spec.get("inputs") or []) or spec.get("outputs"):
            out.append(
                f"task {task.name}: url: inputs/outputs are not transferred on a cluster "
                "(the local object-store stand-in is not reachable); the dirs stay empty"
            )
        if spec.get("checkpoint"):
            out.append(f"task {task.name}: checkpoints are not uploaded on a cluster")
        if task.inputs and not pvc:
            out.append(
                f"task {task.name}: reads outputs of {', '.join(task.inputs)} but no "
                "--kube-data-pvc was given: its input dirs stay empty"
            )
    return out
