"""Kubernetes names and labels for a run's objects: DNS-1123 safe, unique, bounded length."""

from __future__ import annotations

import hashlib
import re

MANAGED_BY = "app.kubernetes.io/managed-by"
MANAGER = "osmo-tui"
RUN = "osmo-tui/run"
WORKFLOW = "osmo-tui/workflow"
GROUP = "osmo-tui/group"
TASK = "osmo-tui/task"
RETRY = "osmo-tui/retry"
LEAD = "osmo-tui/lead"
RELEASED = "osmo-tui/released"
KEPT = "osmo-tui/kept"
"""On a failed pod kept by --keep-failed (instead of the run's labels): the run id."""
"""Annotation: "false" while the group barrier holds the command, "true" once released."""
OWNER = "osmo-tui/owner"
"""Annotation `<host>:<pid>:<pid start>` of the osmo-tui process that created the object (gc)."""
SIM_PREFIX = "sim.osmo-tui/"
"""Annotations read by scripts/k8s/pod-stages.yaml to decide a fake (KWOK) pod's outcome."""

_NOT_DNS = re.compile(r"[^a-z0-9-]+")
_NOT_LABEL = re.compile(r"[^A-Za-z0-9_.-]+")


def _digest(text: str, size: int = 6) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:size]


def dns_label(text: str, limit: int = 63) -> str:
    """A DNS-1123 label from `text`; a short hash keeps names that had to change distinct."""
    clean = _NOT_DNS.sub("-", text.lower()).strip("-") or "x"
    if clean == text and len(clean) <= limit:
        return clean
    keep = limit - 7
    return f"{clean[:keep].rstrip('-')}-{_digest(text)}"


def label_value(text: str) -> str:
    """A valid label value (<= 63 chars, alphanumeric at both ends)."""
    clean = _NOT_LABEL.sub("-", text).strip("-_.")
    if clean == text and len(clean) <= 63:
        return clean
    return f"{clean[:55].strip('-_.')}-{_digest(text)}"


def run_id(workflow_id: str, nonce: str) -> str:
    """The run's id on the cluster: the workflow id plus a nonce so reruns never collide."""
    return dns_label(f"{workflow_id[:40]}-{nonce}", limit=48)


def pod_name(run: str, task: str, retry: int, generation: int = 0) -> str:
    suffix = f"-{retry}" if generation == 0 else f"-{retry}-{generation}"
    return dns_label(f"{run}-{task}", limit=63 - len(suffix)) + suffix


def group_object(run: str, group: str) -> str:
    """Name of the group's headless Service (the pods' subdomain) and PodGroup."""
    return dns_label(f"{run}-{group}")


def task_object(run: str, task: str, kind: str) -> str:
    """Name of a per-task ConfigMap/Secret (`kind`: files, creds)."""
    suffix = f"-{kind}"
    return dns_label(f"{run}-{task}", limit=63 - len(suffix)) + suffix


def run_selector(run: str) -> str:
    return f"{RUN}={run}"


def group_selector(run: str, group: str) -> str:
    return f"{RUN}={run},{GROUP}={label_value(group)}"
