"""The pod of one task attempt: command, env, files, credentials, data volumes and placement."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from simulator.backends.kubernetes import names
from simulator.backends.kubernetes.objects import (
    BARRIER_WAIT,
    INPUT,
    OUTPUT,
    PODINFO,
    Context,
    _affinity,
    _env,
    _meta,
    _tolerations,
    resources,
)
from simulator.engine.plan import GroupPlan, TaskPlan

Volumes = tuple[list[dict[str, Any]], list[dict[str, Any]]]


def _input_task(item: Any) -> str | None:
    return item.get("task") if isinstance(item, dict) else None


def data_volumes(ctx: Context, task: TaskPlan, spec: dict[str, Any]) -> Volumes:
    """Output dir and `/osmo/data/input/N` dirs: subdirectories of the run's dir on the PVC."""
    inputs = spec.get("inputs") or []
    volumes: list[dict[str, Any]]
    mounts: list[dict[str, Any]]
    if ctx.data_pvc:
        volumes = [{"name": "data", "persistentVolumeClaim": {"claimName": ctx.data_pvc}}]
        mounts = [{"name": "data", "mountPath": OUTPUT, "subPath": f"{ctx.run}/{task.name}"}]
        for i, item in enumerate(inputs):
            upstream = _input_task(item)
            if upstream and ":" not in upstream:
                mounts.append(
                    {
                        "name": "data",
                        "mountPath": f"{INPUT}/{i}",
                        "readOnly": True,
                        "subPath": f"{ctx.run}/{upstream}",
                    }
                )
            else:  # url: and earlier-workflow inputs cannot be fetched on a cluster: empty dir
                volumes.append({"name": f"input-{i}", "emptyDir": {}})
                mounts.append({"name": f"input-{i}", "mountPath": f"{INPUT}/{i}"})
        return volumes, mounts
    volumes = [{"name": "output", "emptyDir": {}}]
    mounts = [{"name": "output", "mountPath": OUTPUT}]
    for i in range(len(inputs)):
        volumes.append({"name": f"input-{i}", "emptyDir": {}})
        mounts.append({"name": f"input-{i}", "mountPath": f"{INPUT}/{i}", "readOnly": True})
    return volumes, mounts


def file_volumes(
    ctx: Context, task: TaskPlan, spec: dict[str, Any], store: Mapping[str, Mapping[str, str]]
) -> Volumes:
    """Files from the task's ConfigMap and string-form credentials from its Secret (subPath)."""
    volumes: list[dict[str, Any]] = []
    mounts: list[dict[str, Any]] = []
    files = spec.get("files") or []
    if files:
        volumes.append(
            {"name": "files", "configMap": {"name": names.task_object(ctx.run, task.name, "files")}}
        )
        for i, f in enumerate(files):
            mounts.append(
                {"name": "files", "mountPath": f["path"], "subPath": f"f{i}", "readOnly": True}
            )
    dirs = {c: v for c, v in (spec.get("credentials") or {}).items() if isinstance(v, str)}
    if dirs:
        volumes.append(
            {
                "name": "creds",
                "secret": {"secretName": names.task_object(ctx.run, task.name, "creds")},
            }
        )
        for cred, directory in dirs.items():
            for key in store[cred]:
                mounts.append(
                    {
                        "name": "creds",
                        "mountPath": f"{directory.rstrip('/')}/{key}",
                        "subPath": f"{cred}.{key}",
                        "readOnly": True,
                    }
                )
    return volumes, mounts


def host_volumes(spec: dict[str, Any]) -> Volumes:
    """`volumeMounts: ["/src[:/dst]"]` as hostPath volumes (validation checked the pool allows them)."""
    volumes: list[dict[str, Any]] = []
    mounts: list[dict[str, Any]] = []
    for i, entry in enumerate(spec.get("volumeMounts") or []):
        src, _, dst = str(entry).partition(":")
        volumes.append({"name": f"host-mount-{i}", "hostPath": {"path": src}})
        mounts.append({"name": f"host-mount-{i}", "mountPath": dst or src})
    return volumes, mounts


def _no_expansion(container: dict[str, Any]) -> None:
    """Keep `$(VAR)` literal, as Docker and the simulator run it: the kubelet expands `$(NAME)`
    of a defined variable in command, args and env values, and `$$` is its escape for `$`."""
    container["command"] = [c.replace("$", "$$") for c in container["command"]]
    container["args"] = [a.replace("$", "$$") for a in container["args"]]
    for var in container["env"]:
        if "value" in var:
            var["value"] = var["value"].replace("$", "$$")


def task_pod(
    ctx: Context,
    group: GroupPlan,
    task: TaskPlan,
    retry: int,
    spec: dict[str, Any],
    *,
    generation: int = 0,
    annotations: Mapping[str, str] | None = None,
    store: Mapping[str, Mapping[str, str]] | None = None,
) -> dict[str, Any]:
    """The pod manifest of attempt `retry` of `task` (restartPolicy Never, command run as is)."""
    store = store or {}
    meta = _meta(ctx, names.pod_name(ctx.run, task.name, retry, generation), task, retry)
    meta["annotations"].update(annotations or {})
    command = [str(c) for c in spec.get("command") or []]
    args = [str(a) for a in spec.get("args") or []]
    volumes, mounts = data_volumes(ctx, task, spec)
    for extra in (file_volumes(ctx, task, spec, store), host_volumes(spec)):
        volumes += extra[0]
        mounts += extra[1]
    if group.barrier:
        # the user command waits for the barrier: the backend flips the annotation, the kubelet
        # refreshes the downward-API file, the wrapper execs the command
        meta["annotations"][names.RELEASED] = "false"
        command, args = ["/bin/sh", "-c", BARRIER_WAIT, "osmo-barrier", *command, *args], []
        volumes.append(
            {
                "name": "podinfo",
                "downwardAPI": {
                    "items": [
                        {
                            "path": "released",
                            "fieldRef": {"fieldPath": f"metadata.annotations['{names.RELEASED}']"},
                        }
                    ]
                },
            }
        )
        mounts.append({"name": "podinfo", "mountPath": PODINFO, "readOnly": True})
    container: dict[str, Any] = {
        "name": names.dns_label(task.name),
        "image": spec.get("image", ""),
        "command": command,
        "args": args,
        "env": _env(task, spec, names.task_object(ctx.run, task.name, "creds")),
        "volumeMounts": mounts,
        "resources": resources(task),
    }
    _no_expansion(container)
    if ctx.image_pull_policy:
        container["imagePullPolicy"] = ctx.image_pull_policy
    if spec.get("privileged"):
        container["securityContext"] = {"privileged": True}
    pod_spec: dict[str, Any] = {
        "restartPolicy": "Never",
        "hostname": names.dns_label(task.name),
        "containers": [container],
        "volumes": volumes,
        "enableServiceLinks": False,
        "automountServiceAccountToken": False,
        "terminationGracePeriodSeconds": ctx.grace_seconds,
    }
    if len(group.tasks) > 1:
        pod_spec["subdomain"] = names.group_object(ctx.run, group.name)
    if spec.get("hostNetwork"):
        pod_spec["hostNetwork"] = True
    if ctx.scheduler_name:
        pod_spec["schedulerName"] = ctx.scheduler_name
    placement = ctx.placements.get(task.resource.platform or "")
    if placement and placement.node_selector:
        pod_spec["nodeSelector"] = dict(placement.node_selector)
    affinity = _affinity(list((spec.get("resources") or {}).get("nodesExcluded") or []))
    if affinity:
        pod_spec["affinity"] = affinity
    tolerations = _tolerations(task, placement)
    if tolerations:
        pod_spec["tolerations"] = tolerations
    if ctx.pod_group is not None:
        pg = names.group_object(ctx.run, group.name)
        if ctx.pod_group.pod_label:
            meta["labels"][ctx.pod_group.pod_label] = pg
        if ctx.pod_group.pod_annotation:
            meta["annotations"][ctx.pod_group.pod_annotation] = pg
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": pod_spec}
