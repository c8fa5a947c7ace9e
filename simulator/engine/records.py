"""The engine's mutable per-task and per-group state (slots classes: 100,000 tasks fit)."""

from __future__ import annotations

from simulator.engine.plan import GroupPlan, TaskPlan
from simulator.engine.status import TaskStatus
from simulator.engine.timers import timer_key


class TaskRecord:
    __slots__ = (
        "at_barrier",
        "exit_code",
        "group",
        "lead",
        "name",
        "plan",
        "released",
        "retry",
        "status",
    )

    def __init__(self, plan: TaskPlan, group: GroupRecord) -> None:
        self.plan = plan
        self.name = plan.name
        self.group = group
        self.lead = plan.lead
        self.retry = 0
        self.status = TaskStatus.WAITING
        self.exit_code: int | None = None
        self.at_barrier = False
        """Reached the barrier (inputs downloaded) and not finished since."""
        self.released = False
        """Its user command was started (barrier opened) and not restarted since."""


class GroupRecord:
    __slots__ = (
        "barrier",
        "downstream",
        "exec_key",
        "lead",
        "name",
        "ndone",
        "pending_cancel",
        "plan",
        "progressed",
        "queue_key",
        "queued",
        "status",
        "tasks",
        "unmet",
        "waiting",
    )

    def __init__(self, plan: GroupPlan) -> None:
        self.plan = plan
        self.name = plan.name
        self.barrier = plan.barrier
        self.status = TaskStatus.WAITING
        self.tasks: list[TaskRecord] = []
        self.lead: TaskRecord | None = None
        self.downstream: list[GroupRecord] = []
        self.unmet = len(plan.upstream)
        """Upstream groups not COMPLETED yet."""
        self.ndone = 0
        """Tasks whose latest retry has finished."""
        self.waiting = 0
        """Tasks counted in the barrier set (OSMO's Redis set)."""
        self.queued: list[TaskRecord] = []
        """Tasks at the barrier whose command has not been released yet."""
        self.progressed = False
        """Some task ran or finished (the group aggregates to RUNNING, not INITIALIZING)."""
        self.pending_cancel: tuple[TaskStatus, str] | None = None
        self.queue_key = timer_key("queue", plan.name)
        self.exec_key = timer_key("exec", plan.name)
        """Timer keys, built once: they are armed and cancelled for every group."""
