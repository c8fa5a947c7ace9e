"""`osmo-tui gc --backend kubernetes`: remove what runs left on a cluster, found by label.

Every object a run creates carries `app.kubernetes.io/managed-by=osmo-tui`, `osmo-tui/run=<id>`
and an owner annotation `<host>:<pid>:<pid start>`. A run is stale when its owner process is gone
on this host (or the pid was reused: the start time differs); runs owned by another host are kept
unless `everything` is set.
"""

from __future__ import annotations

import os
import socket
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulator.backends.kubernetes import names


def process_start(pid: int) -> str:
    """The kernel's start time of `pid` (clock ticks since boot), '' when it does not exist."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat.rpartition(")")[2].split()[19]  # the name (field 2) may contain spaces


def owner_token() -> str:
    """This process as an owner annotation value."""
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{process_start(pid)}"


def owner_alive(token: str) -> bool:
    """Whether the owner process still runs (another host's process: assume it does)."""
    host, _, rest = token.partition(":")
    pid_text, _, start = rest.partition(":")
    if host and host != socket.gethostname():
        return True
    try:
        now = process_start(int(pid_text))
    except ValueError:
        return False
    return bool(now) and (not start or now == start)


@dataclass
class GcResult:
    removed: list[str] = field(default_factory=list)
    """`namespace/run id` of the runs whose objects were deleted."""
    kept: list[str] = field(default_factory=list)
    """Runs left alone because their owner still runs (or lives on another host)."""
    errors: list[str] = field(default_factory=list)


PLURALS = ("pods", "services", "configmaps", "secrets")


def _list(rest: Any, plural: str, namespace: str | None, selector: str) -> list[dict[str, Any]]:
    path = f"/api/v1/{plural}" if namespace is None else f"/api/v1/namespaces/{namespace}/{plural}"
    items: list[dict[str, Any]] = (
        rest.call("GET", path, query={"labelSelector": selector}).get("items") or []
    )
    return items


def gc_kubernetes(
    *,
    kubeconfig: str | None = None,
    kube_context: str | None = None,
    namespace: str | None = None,
    all_namespaces: bool = False,
    run: str | None = None,
    everything: bool = False,
    dry_run: bool = False,
) -> GcResult:
    """Delete the objects of stale runs (or of `run`, or of every run with `everything`)."""
    from kubernetes.client.exceptions import ApiException

    from simulator.backends.kubernetes.cluster import connect
    from simulator.backends.kubernetes.rest import Rest, ns_path

    conn = connect(kubeconfig, kube_context, namespace)
    rest = Rest(conn.api)
    ns = None if all_namespaces else conn.namespace
    selector = f"{names.MANAGED_BY}={names.MANAGER}" + (f",{names.RUN}={run}" if run else "")
    runs: dict[tuple[str, str], set[str]] = defaultdict(set)
    result = GcResult()
    for plural in PLURALS:
        try:
            for item in _list(rest, plural, ns, selector):
                meta = item.get("metadata") or {}
                key = (
                    str(meta.get("namespace")),
                    str((meta.get("labels") or {}).get(names.RUN, "")),
                )
                runs[key].add(str((meta.get("annotations") or {}).get(names.OWNER, "")))
        except ApiException as err:
            result.errors.append(f"cannot list {plural}: {err.status} {err.reason}")
    for (run_ns, run_id), owners in sorted(runs.items()):
        if not (everything or run) and any(owner_alive(o) for o in owners):
            result.kept.append(f"{run_ns}/{run_id}")
            continue
        if not dry_run:
            for plural in PLURALS:
                query = {"labelSelector": names.run_selector(run_id), "gracePeriodSeconds": 0}
                try:
                    rest.call("DELETE", ns_path(run_ns, plural), query=query)
                except ApiException as err:
                    result.errors.append(
                        f"cannot delete {plural} of {run_id}: {err.status} {err.reason}"
                    )
        result.removed.append(f"{run_ns}/{run_id}")
    return result


def gc_kept_pods(
    *,
    kubeconfig: str | None = None,
    kube_context: str | None = None,
    namespace: str | None = None,
    everything: bool = False,
    dry_run: bool = False,
) -> GcResult:
    """Delete the failed pods `--keep-failed` kept (label `osmo-tui/kept`) whose run's process
    is gone (all of them with `everything`); `removed` lists `namespace/pod`."""
    from kubernetes.client.exceptions import ApiException

    from simulator.backends.kubernetes.cluster import connect
    from simulator.backends.kubernetes.rest import Rest, ns_path

    conn = connect(kubeconfig, kube_context, namespace)
    rest = Rest(conn.api)
    result = GcResult()
    try:
        pods = _list(rest, "pods", conn.namespace, names.KEPT)
    except ApiException as err:
        result.errors.append(f"cannot list kept pods: {err.status} {err.reason}")
        return result
    for pod in pods:
        meta = pod.get("metadata") or {}
        name, owner = str(meta.get("name")), str((meta.get("annotations") or {}).get(names.OWNER))
        if not everything and owner_alive(owner):
            result.kept.append(f"{conn.namespace}/{name}")
            continue
        if not dry_run:
            try:
                path = ns_path(conn.namespace, "pods", name)
                rest.call("DELETE", path, query={"gracePeriodSeconds": 0})
            except ApiException as err:
                if err.status != 404:
                    result.errors.append(f"cannot delete pod {name}: {err.status} {err.reason}")
                    continue
        result.removed.append(f"{conn.namespace}/{name}")
    return result
