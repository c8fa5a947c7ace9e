"""Outcome annotations for fake (KWOK) pods: what the task's script or a scenario says happens.

Nothing runs on a KWOK node, so the project's stages (scripts/k8s/pod-stages.yaml) read a pod's
duration, exit code and failure kind from annotations. They are resolved exactly as the simulator
resolves them (`simulator.backends.scenario.resolve_attempt` over `sim_script.infer_task`): a
scenario entry first, else the literal `sleep N` and final `exit N` of the task's script — so the
same workflow ends the same way on the simulator, Docker and a KWOK cluster.
"""

from __future__ import annotations

import math
from typing import Any

from simulator.backends.kubernetes import names
from simulator.engine.status import TaskStatus

STATUS_ANNOTATIONS: dict[TaskStatus, dict[str, str]] = {
    TaskStatus.FAILED_EVICTED: {"exit-code": "137", "reason": "OOMKilled"},
    TaskStatus.FAILED_IMAGE_PULL: {"waiting-reason": "ErrImagePull"},
    TaskStatus.FAILED_PREEMPTED: {"pod-reason": "PreemptionByScheduler"},
    TaskStatus.FAILED_BACKEND_ERROR: {"pod-reason": "TerminationByKubelet"},
    TaskStatus.FAILED_START_ERROR: {"pod-reason": "StartError"},
}
"""How a scenario's backend-reported failure is staged on a fake pod (podstatus maps it back)."""

FOREVER = "87600h"
"""`sleep infinity`: ten years is forever for a test cluster (Go durations top out at ~290y)."""


def _go_duration(seconds: float) -> str:
    if math.isinf(seconds):
        return FOREVER
    return f"{round(seconds * 1000)}ms"


def load(scenario: Any) -> Any:
    """A Scenario from a path, or as given (None: no scenario, scripts decide)."""
    from simulator.backends.scenario import Scenario, load_scenario

    if scenario is None:
        return Scenario()
    if isinstance(scenario, Scenario):
        return scenario
    return load_scenario(scenario)


def pod_annotations(scenario: Any, task: str, retry: int, spec: Any) -> dict[str, str]:
    """The `sim.osmo-tui/*` annotations of attempt `retry` of `task`."""
    from simulator.backends.scenario import resolve_attempt
    from simulator.backends.sim_script import infer_task

    attempt = resolve_attempt(scenario, task, retry, infer_task(spec))
    out = {"duration": _go_duration(attempt.duration), "exit-code": str(attempt.exit_code)}
    if attempt.status is not None:
        out.update(STATUS_ANNOTATIONS.get(TaskStatus(attempt.status), {}))
    return {names.SIM_PREFIX + key: value for key, value in out.items()}
