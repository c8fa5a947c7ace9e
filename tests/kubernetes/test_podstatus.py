"""Pod phases and container states mapped to OSMO statuses and exit codes (SPEC §6.3)."""

from __future__ import annotations

from typing import Any

import pytest

from simulator.backends.kubernetes.podstatus import Phase, observe
from simulator.engine.status import TaskStatus as TS


def pod(
    phase: str = "Pending",
    node: str = "",
    *,
    reason: str = "",
    conditions: Any = (),
    waiting: str = "",
    terminated: tuple[str, int] | None = None,
) -> dict[str, Any]:
    cs: dict[str, Any] = {"name": "c"}
    if waiting:
        cs["state"] = {"waiting": {"reason": waiting, "message": "details"}}
    if terminated:
        cs["state"] = {"terminated": {"reason": terminated[0], "exitCode": terminated[1]}}
    status: dict[str, Any] = {"phase": phase, "conditions": list(conditions)}
    if reason:
        status["reason"] = reason
    if waiting or terminated:
        status["containerStatuses"] = [cs]
    return {"spec": {"nodeName": node} if node else {}, "status": status}


UNSCHEDULABLE = {
    "type": "PodScheduled",
    "status": "False",
    "reason": "Unschedulable",
    "message": "0/4 nodes are available: 4 Insufficient nvidia.com/gpu.",
}


def _disrupted(reason: str) -> dict[str, Any]:
    return {"type": "DisruptionTarget", "status": "True", "reason": reason}


@pytest.mark.parametrize(
    ("the_pod", "phase", "status", "code"),
    [
        (pod(), Phase.SCHEDULING, None, None),
        (pod(conditions=[UNSCHEDULABLE]), Phase.SCHEDULING, None, None),
        (pod(node="n1"), Phase.INITIALIZING, None, None),
        (pod(node="n1", waiting="ContainerCreating"), Phase.INITIALIZING, None, None),
        (pod("Running", "n1"), Phase.READY, None, None),
        (pod("Succeeded", "n1", terminated=("Completed", 0)), Phase.DONE, None, 0),
        (pod("Failed", "n1", terminated=("Error", 3)), Phase.DONE, None, 3),
        (pod("Failed", "n1"), Phase.DONE, None, 4000),
        (pod("Failed", "n1", terminated=("OOMKilled", 137)), Phase.DONE, TS.FAILED_EVICTED, 3004),
        (pod("Failed", "n1", reason="Evicted"), Phase.DONE, TS.FAILED_EVICTED, 3004),
        (pod("Failed", "n1", reason="StartError"), Phase.DONE, TS.FAILED_START_ERROR, 3003),
        (
            pod("Failed", "n1", reason="UnexpectedAdmissionError"),
            Phase.DONE,
            TS.FAILED_BACKEND_ERROR,
            3001,
        ),
        (
            pod("Failed", "n1", conditions=[_disrupted("PreemptionByScheduler")]),
            Phase.DONE,
            TS.FAILED_PREEMPTED,
            3006,
        ),
        (
            pod("Failed", "n1", conditions=[_disrupted("DeletionByPodGC")]),
            Phase.DONE,
            TS.FAILED_BACKEND_ERROR,
            3001,
        ),
        (pod(node="n1", waiting="ErrImagePull"), Phase.DONE, TS.FAILED_IMAGE_PULL, 302),
        (pod(node="n1", waiting="ImagePullBackOff"), Phase.DONE, TS.FAILED_IMAGE_PULL, 301),
        (pod(node="n1", waiting="CrashLoopBackOff"), Phase.DONE, TS.FAILED, 304),
        (pod(node="n1", waiting="SomethingNew"), Phase.DONE, TS.FAILED, 999),
        (pod(node="n1", waiting="CreateContainerConfigError"), Phase.SCHEDULING, None, None),
    ],
)
def test_mapping(
    the_pod: dict[str, Any], phase: Phase, status: TS | None, code: int | None
) -> None:
    obs = observe(the_pod)
    assert (obs.phase, obs.status, obs.exit_code) == (phase, status, code)


def test_unschedulable_reason_is_kept_for_the_ui() -> None:
    assert "Insufficient nvidia.com/gpu" in observe(pod(conditions=[UNSCHEDULABLE])).reason


def test_config_errors_fail_only_after_osmo_waits() -> None:
    assert observe(pod(node="n", waiting="CreateContainerConfigError")).slow_failure == 600
    assert observe(pod(node="n", waiting="ContainerStatusUnknown")).slow_failure == 1800
