"""The engine's input: a validated workflow reduced to what execution needs.

`simulator.engine.from_spec.plan_from_spec` builds it from the spec layer's models; tests may build
one directly. Group and task dicts keep the spec's order, which every report and view follows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from simulator.errors import BackendError

if TYPE_CHECKING:
    from simulator.spec.models import TaskSpec

ExitActions = tuple[tuple[str, tuple[tuple[int, int], ...]], ...]
"""(ACTION, ((lo, hi), ...)) in the spec's dict order; ACTION is COMPLETE, FAIL or RESCHEDULE."""


@dataclass(frozen=True, slots=True)
class ResourceNeeds:
    """What one task asks of one node (every task gets the full amounts of its resource)."""

    cpu: int | None = None
    gpu: int = 0
    memory: int | None = None
    """Bytes."""
    storage: int | None = None
    """Bytes."""
    platform: str | None = None


@dataclass(frozen=True, slots=True)
class TaskPlan:
    name: str
    group: str
    lead: bool
    resource: ResourceNeeds = field(default_factory=ResourceNeeds)
    resource_name: str = "default"
    exit_actions: ExitActions = ()
    inputs: tuple[str, ...] = ()
    """Names of same-workflow tasks this task reads from (the group DAG comes from these)."""
    spec: TaskSpec | None = None
    """The task's validated spec model with tokens substituted, for real backends (None for a
    plan built in code, e.g. by a test)."""

    def require_spec(self) -> TaskSpec:
        """The spec a real backend runs (a plan built in code has none to run)."""
        if self.spec is None:
            raise BackendError(f"task {self.name} has no spec: build the plan from a workflow")
        return self.spec


@dataclass(frozen=True, slots=True)
class GroupPlan:
    name: str
    tasks: tuple[str, ...]
    lead: str
    barrier: bool = True
    """Effective barrier: `barrier: true` and more than one task."""
    ignore_nonlead: bool = True
    upstream: tuple[str, ...] = ()
    downstream: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Plan:
    workflow: str
    workflow_id: str
    groups: dict[str, GroupPlan]
    tasks: dict[str, TaskPlan]
    exec_timeout: float = 60 * 86400.0
    """Seconds, per group, from the group's start (SPEC §5.9)."""
    queue_timeout: float = 60 * 86400.0
    """Seconds a group may stay SCHEDULING."""
    max_retry: int = 0
    default_exit_actions: ExitActions = ()
    exec_timeout_text: str = "60d"
    queue_timeout_text: str = "60d"
    """The timeouts as the user wrote them, for OSMO's messages."""
    start_timeout: float = 1800.0
    """Seconds an attempt may stay placed but not ready (pulling, creating) before it fails
    FAILED_START_TIMEOUT: OSMO's service setting `max_pod_restart_limit` (SPEC §5.9)."""
    start_timeout_text: str = "30m"
