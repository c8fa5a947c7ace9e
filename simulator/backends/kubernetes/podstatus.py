"""What a pod's status means for its task: SPEC §6.3 (`calculate_pod_status`) as a pure function."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from simulator.engine.status import ExitCode, TaskStatus


class Phase(IntEnum):
    """How far an attempt got; reports are emitted in this order, never backwards."""

    NONE = 0
    SCHEDULING = 1
    INITIALIZING = 2
    READY = 3
    RUNNING = 4
    DONE = 5


@dataclass(frozen=True, slots=True)
class Observation:
    """One pod state, mapped. `exit_code` with `status=None` is a user exit (exit actions apply)."""

    phase: Phase
    node: str = ""
    reason: str = ""
    status: TaskStatus | None = None
    exit_code: int | None = None
    slow_failure: float = 0.0
    """Seconds this waiting state may last before it becomes FAILED_BACKEND_ERROR (0 = never)."""


WAITING_CODES = {
    "ImagePullBackOff": ExitCode.IMAGE_PULL_BACKOFF,
    "ErrImagePull": ExitCode.ERR_IMAGE_PULL,
    "InvalidImageName": ExitCode.ERR_IMAGE_PULL,
    "ErrImageNeverPull": ExitCode.ERR_IMAGE_PULL,
    "CreateContainerConfigError": ExitCode.CREATE_CONFIG_ERROR,
    "CrashLoopBackOff": ExitCode.CRASH_LOOP_BACKOFF,
    "ContainerStatusUnknown": ExitCode.CONTAINER_STATUS_UNKNOWN,
}
_BENIGN_WAITING = {"ContainerCreating", "PodInitializing", ""}
_IMAGE_PULL = {"ImagePullBackOff", "ErrImagePull", "InvalidImageName", "ErrImageNeverPull"}
_SLOW = {"CreateContainerConfigError": 600.0, "ContainerStatusUnknown": 1800.0}
"""OSMO waits this long before turning these into FAILED_BACKEND_ERROR (§5.9 heuristics)."""


def _get(obj: Any, *path: str) -> Any:
    """Key path into a pod as the API sends it (JSON, camelCase); None when missing."""
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def _conditions(pod: Any) -> list[Any]:
    return list(_get(pod, "status", "conditions") or [])


def _containers(pod: Any) -> list[Any]:
    return list(_get(pod, "status", "containerStatuses") or [])


def _disruption(pod: Any) -> Observation | None:
    for cond in _conditions(pod):
        if _get(cond, "status") != "True":
            continue
        reason = _get(cond, "reason") or ""
        if reason == "PreemptionByScheduler":
            return Observation(
                Phase.DONE,
                reason="Pod was preempted by the scheduler",
                status=TaskStatus.FAILED_PREEMPTED,
                exit_code=ExitCode.PREEMPTED,
            )
        if _get(cond, "type") == "DisruptionTarget":
            message = _get(cond, "message") or reason
            if reason == "DeletionByPodGC":
                message = "Node got removed from the cluster while the pod was on it"
            return Observation(
                Phase.DONE,
                reason=message,
                status=TaskStatus.FAILED_BACKEND_ERROR,
                exit_code=ExitCode.BACKEND_ERROR,
            )
    return None


def _failed(pod: Any) -> Observation:
    """A Failed pod: pod-level reasons first, then OOM, then the highest container exit code."""
    reason = _get(pod, "status", "reason") or ""
    message = _get(pod, "status", "message") or reason
    if reason == "Evicted":
        return Observation(
            Phase.DONE, reason=message, status=TaskStatus.FAILED_EVICTED, exit_code=ExitCode.EVICTED
        )
    if reason == "StartError":
        return Observation(
            Phase.DONE,
            reason=message,
            status=TaskStatus.FAILED_START_ERROR,
            exit_code=ExitCode.START_ERROR,
        )
    if reason == "UnexpectedAdmissionError":
        return Observation(
            Phase.DONE,
            reason=message,
            status=TaskStatus.FAILED_BACKEND_ERROR,
            exit_code=ExitCode.BACKEND_ERROR,
        )
    disrupted = _disruption(pod)
    if disrupted is not None:
        return disrupted
    codes = []
    for cs in _containers(pod):
        term = _get(cs, "state", "terminated")
        if term is None:
            continue
        if _get(term, "reason") == "OOMKilled":
            return Observation(
                Phase.DONE,
                reason="Container was OOMKilled",
                status=TaskStatus.FAILED_EVICTED,
                exit_code=ExitCode.EVICTED,
            )
        if _get(term, "reason") == "StartError":
            return Observation(
                Phase.DONE,
                reason=_get(term, "message") or "StartError",
                status=TaskStatus.FAILED_START_ERROR,
                exit_code=ExitCode.START_ERROR,
            )
        if _get(term, "reason") != "Completed" or _get(term, "exitCode"):
            codes.append(int(_get(term, "exitCode") or 0))
    return Observation(
        Phase.DONE, reason=message, exit_code=max(codes) if codes else ExitCode.UNKNOWN
    )


def _waiting(pod: Any, node: str) -> Observation | None:
    """A container that cannot start: image pull errors fail at once, config errors slowly."""
    for cs in _containers(pod):
        waiting = _get(cs, "state", "waiting")
        reason = (_get(waiting, "reason") or "") if waiting is not None else ""
        if waiting is None or reason in _BENIGN_WAITING:
            continue
        message = _get(waiting, "message") or reason
        text = f"{reason}: {message}" if message != reason else reason
        if reason in _IMAGE_PULL:
            return Observation(
                Phase.DONE,
                node=node,
                reason=text,
                status=TaskStatus.FAILED_IMAGE_PULL,
                exit_code=WAITING_CODES[reason],
            )
        if reason in _SLOW:
            return Observation(Phase.SCHEDULING, node=node, reason=text, slow_failure=_SLOW[reason])
        return Observation(
            Phase.DONE,
            node=node,
            reason=text,
            status=TaskStatus.FAILED,
            exit_code=WAITING_CODES.get(reason, 999),
        )
    return None


def observe(pod: Any) -> Observation:
    """Map a pod (the API's JSON) to how far its task got, OSMO's way."""
    phase = _get(pod, "status", "phase") or "Pending"
    node = _get(pod, "spec", "nodeName") or ""
    if phase == "Succeeded":
        return Observation(Phase.DONE, node=node, exit_code=0)
    if phase == "Failed":
        return _failed(pod)
    disrupted = _disruption(pod)
    if disrupted is not None:
        return disrupted
    waiting = _waiting(pod, node)
    if waiting is not None:
        return waiting
    if phase == "Running":
        return Observation(Phase.READY, node=node)
    if not node:
        reason = ""
        for cond in _conditions(pod):
            if _get(cond, "type") == "PodScheduled" and _get(cond, "status") == "False":
                reason = _get(cond, "message") or _get(cond, "reason") or ""
        return Observation(Phase.SCHEDULING, reason=reason)
    return Observation(Phase.INITIALIZING, node=node)
