"""The Kubernetes objects of one task attempt and one group, as plain manifests (dicts).

SPEC §8 describes OSMO's objects; this keeps what makes sense without OSMO's services: a pod per
task (restartPolicy Never, the task's command run directly), a headless Service per multi-task
group so `{{host:<task>}}` resolves, ConfigMaps for files and Secrets for credentials, requests =
limits from the resource spec, and a PodGroup for gang schedulers that have one.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from simulator.backends.kubernetes import names
from simulator.engine.plan import GroupPlan, TaskPlan

OUTPUT = "/osmo/data/output"
INPUT = "/osmo/data/input"
PODINFO = "/osmo/run/podinfo"
BARRIER_WAIT = (
    f'while [ "$(cat {PODINFO}/released 2>/dev/null)" != true ]; do sleep 0.1; done; exec "$@"'
)
"""Holds the user command until the backend marks the pod released (the group barrier)."""
_HOST_TOKEN = re.compile(r"{{[ ]*host:([A-Za-z0-9_-]+)[ ]*}}")


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a platform's tasks may run: node labels, tolerations (pool config or defaults)."""

    node_selector: Mapping[str, str] = field(default_factory=dict)
    tolerations: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True, slots=True)
class PodGroupKind:
    """A gang scheduler's PodGroup CRD and how pods join it."""

    group: str
    version: str
    plural: str
    pod_label: str = ""
    pod_annotation: str = ""


POD_GROUP_KINDS = (
    PodGroupKind("scheduling.run.ai", "v2alpha2", "podgroups", pod_annotation="pod-group-name"),
    PodGroupKind(
        "scheduling.x-k8s.io", "v1alpha1", "podgroups", pod_label="scheduling.x-k8s.io/pod-group"
    ),
)


@dataclass(frozen=True, slots=True)
class Context:
    """Everything the manifests of one run depend on besides the task itself."""

    run: str
    namespace: str
    workflow_id: str
    owner: str
    data_pvc: str | None = None
    cluster_domain: str = "cluster.local"
    image_pull_policy: str | None = None
    scheduler_name: str | None = None
    grace_seconds: int = 10
    pod_group: PodGroupKind | None = None
    placements: Mapping[str, Placement] = field(default_factory=dict)
    """Platform name -> placement."""
    pod_template: PodTemplate | None = None
    """The pool's pod template of a task, rendered (OSMO's podTemplates), or None."""


PodTemplate = Callable[[str, Mapping[str, Any], str, "str | None"], dict[str, Any]]
"""(platform, resources, container name, cacheSize) -> rendered template."""


def spec_dict(spec: Any) -> dict[str, Any]:
    """The task spec as a dict with the YAML's keys (pydantic model or dict)."""
    if spec is None:
        return {}
    if hasattr(spec, "model_dump"):
        dumped: dict[str, Any] = spec.model_dump()
        return dumped
    return dict(spec)


def host_name(ctx: Context, group: GroupPlan, task: str) -> str:
    """What `{{host:<task>}}` becomes: the pod's DNS name through the group's headless Service."""
    sub = names.group_object(ctx.run, group.name)
    return f"{names.dns_label(task)}.{sub}.{ctx.namespace}.svc.{ctx.cluster_domain}"


def substitute_hosts(ctx: Context, group: GroupPlan, spec: dict[str, Any]) -> dict[str, Any]:
    """Point `{{host:<t>}}` of same-group tasks at their pods' DNS names, in every string field.

    The plan's spec already carries the engine's placeholder names (`from_spec.sim_hostname`);
    they are swapped for this cluster's names. Literal tokens (a spec built without the spec
    layer) are substituted the same way; tokens naming other groups' tasks stay literal, as in OSMO.
    """
    from simulator.engine.from_spec import sim_hostname

    members = set(group.tasks)
    text = json.dumps(spec)
    for task in members:
        text = text.replace(
            sim_hostname(task, group.name, ctx.workflow_id), host_name(ctx, group, task)
        )

    def repl(match: re.Match[str]) -> str:
        task = match.group(1)
        return host_name(ctx, group, task) if task in members else match[0]

    replaced: dict[str, Any] = json.loads(_HOST_TOKEN.sub(repl, text))
    return replaced


def resources(task: TaskPlan) -> dict[str, Any]:
    """requests = limits from the resource spec (what OSMO's default pod template does)."""
    need = task.resource
    amounts: dict[str, str] = {}
    if need.cpu:
        amounts["cpu"] = str(need.cpu)
    if need.memory:
        amounts["memory"] = str(need.memory)
    if need.storage:
        amounts["ephemeral-storage"] = str(need.storage)
    if need.gpu:
        amounts["nvidia.com/gpu"] = str(need.gpu)
    return {"requests": dict(amounts), "limits": dict(amounts)} if amounts else {}


def _affinity(excluded: list[str]) -> dict[str, Any] | None:
    if not excluded:
        return None
    term = {"key": "kubernetes.io/hostname", "operator": "NotIn", "values": list(excluded)}
    return {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [{"matchExpressions": [term]}]
            }
        }
    }


def _tolerations(task: TaskPlan, placement: Placement | None) -> list[dict[str, Any]]:
    out = [dict(t) for t in placement.tolerations] if placement else []
    if task.resource.gpu and not any(t.get("key") == "nvidia.com/gpu" for t in out):
        # the NVIDIA GPU operator taints GPU nodes; GPU tasks must tolerate it
        out.append({"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"})
    return out


def _env(task: TaskPlan, spec: dict[str, Any], creds_secret: str) -> list[dict[str, Any]]:
    env: list[dict[str, Any]] = [
        {"name": k, "value": str(v)} for k, v in (spec.get("environment") or {}).items()
    ]
    for cred, value in (spec.get("credentials") or {}).items():
        if isinstance(value, dict):
            for var, key in value.items():
                ref = {"name": creds_secret, "key": f"{cred}.{key}"}
                env.append({"name": var, "valueFrom": {"secretKeyRef": ref}})
    if not task.resource.gpu:
        env.append({"name": "NVIDIA_VISIBLE_DEVICES", "value": ""})
    return env


def files_configmap(
    ctx: Context, task: TaskPlan, retry: int, spec: dict[str, Any]
) -> dict[str, Any] | None:
    """One ConfigMap holding the task's `files` (keys f0, f1, ...; binary ones as binaryData)."""
    files = spec.get("files") or []
    if not files:
        return None
    data: dict[str, str] = {}
    binary: dict[str, str] = {}
    for i, f in enumerate(files):
        if f.get("base64"):
            binary[f"f{i}"] = f["contents"]
        else:
            data[f"f{i}"] = f["contents"]
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": _meta(ctx, names.task_object(ctx.run, task.name, "files"), task, retry),
        "data": data,
        "binaryData": binary,
    }


def creds_secret(
    ctx: Context,
    task: TaskPlan,
    retry: int,
    spec: dict[str, Any],
    store: Mapping[str, Mapping[str, str]],
) -> dict[str, Any] | None:
    """One Secret with every credential value the task uses, keyed `<cred>.<key>`."""
    creds = spec.get("credentials") or {}
    if not creds:
        return None
    data = {}
    for cred in creds:
        for key, value in store[cred].items():
            data[f"{cred}.{key}"] = base64.b64encode(str(value).encode()).decode()
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "Opaque",
        "metadata": _meta(ctx, names.task_object(ctx.run, task.name, "creds"), task, retry),
        "data": data,
    }


def _meta(ctx: Context, name: str, task: TaskPlan, retry: int) -> dict[str, Any]:
    labels = {
        names.MANAGED_BY: names.MANAGER,
        names.RUN: ctx.run,
        names.WORKFLOW: names.label_value(ctx.workflow_id),
        names.GROUP: names.label_value(task.group),
        names.TASK: names.label_value(task.name),
        names.RETRY: str(retry),
    }
    if task.lead:
        labels[names.LEAD] = "true"
    return {
        "name": name,
        "namespace": ctx.namespace,
        "labels": labels,
        "annotations": {names.OWNER: ctx.owner},
    }


def group_meta(ctx: Context, name: str, group: str) -> dict[str, Any]:
    labels = {
        names.MANAGED_BY: names.MANAGER,
        names.RUN: ctx.run,
        names.WORKFLOW: names.label_value(ctx.workflow_id),
        names.GROUP: names.label_value(group),
    }
    return {
        "name": name,
        "namespace": ctx.namespace,
        "labels": labels,
        "annotations": {names.OWNER: ctx.owner},
    }


def group_service(ctx: Context, group: GroupPlan) -> dict[str, Any] | None:
    """Headless Service giving each pod of a multi-task group a DNS name (OSMO: >1 task only)."""
    if len(group.tasks) < 2:
        return None
    name = names.group_object(ctx.run, group.name)
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": group_meta(ctx, name, group.name),
        "spec": {
            "clusterIP": "None",
            "selector": {names.RUN: ctx.run, names.GROUP: names.label_value(group.name)},
            # names resolve while pods wait at the barrier, as OSMO's peers expect
            "publishNotReadyAddresses": True,
        },
    }


def pod_group(ctx: Context, group: GroupPlan) -> dict[str, Any] | None:
    """The gang: a PodGroup with minMember = #pods, when the cluster has a gang scheduler."""
    kind = ctx.pod_group
    if kind is None:
        return None
    spec: dict[str, Any] = {"minMember": len(group.tasks)}
    return {
        "apiVersion": f"{kind.group}/{kind.version}",
        "kind": "PodGroup",
        "metadata": group_meta(ctx, names.group_object(ctx.run, group.name), group.name),
        "spec": spec,
    }
