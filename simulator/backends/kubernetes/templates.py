"""The pool's pod templates (OSMO's podTemplates) rendered for a task and merged over its pod."""

from __future__ import annotations

from typing import Any

from simulator.backends.kubernetes import names
from simulator.backends.kubernetes.objects import Context
from simulator.engine.plan import TaskPlan
from simulator.errors import BackendError


def rendered_template(ctx: Context, task: TaskPlan, spec: dict[str, Any]) -> dict[str, Any]:
    """The pool's pod template rendered for the task (`{}` without one); BackendError with
    OSMO's `Jinja substitution failure` text when it cannot render."""
    if ctx.pod_template is None:
        return {}
    resources = spec.get("resources") or {}
    container = names.dns_label(task.name)
    try:
        return ctx.pod_template(
            task.resource.platform or "", resources, container, spec.get("cacheSize")
        )
    except Exception as exc:  # the pool's Jinja: OSMO fails the pod's creation with this text
        message = (
            f"Pod template of task {task.name}: Jinja substitution failure: {type(exc)}: {exc}"
        )
        raise BackendError(message) from None


def apply_template(
    ctx: Context, task: TaskPlan, spec: dict[str, Any], pod: dict[str, Any]
) -> dict[str, Any]:
    """The pool's rendered pod template over the pod, as OSMO's `apply_pod_template` (merging
    containers by name), then osmo-tui's own labels again so a template cannot replace them."""
    template = rendered_template(ctx, task, spec)
    if not template:
        return pod
    from simulator.pool import podtemplates

    labels = dict(pod["metadata"].get("labels") or {})
    pod = podtemplates.apply(pod, template)
    pod["metadata"]["labels"] = {**(pod["metadata"].get("labels") or {}), **labels}
    return pod
