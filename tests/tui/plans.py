"""Hand-made plans and event streams for the UI tests (the engine has its own tests)."""

from __future__ import annotations

from simulator.engine.events import (
    Event,
    GroupStatusChanged,
    RunFinished,
    RunStarted,
    TaskInitializing,
    TaskLog,
    TaskStatusChanged,
    WorkflowStatusChanged,
)
from simulator.engine.plan import GroupPlan, Plan, ResourceNeeds, TaskPlan
from simulator.engine.status import TaskStatus as S
from simulator.engine.status import WorkflowStatus as W


def make_plan(name: str, groups: dict[str, tuple[list[str], list[str]]]) -> Plan:
    """groups: name -> (tasks (first is lead), upstream groups)."""
    downstream: dict[str, list[str]] = {g: [] for g in groups}
    for g, (_tasks, ups) in groups.items():
        for u in ups:
            downstream[u].append(g)
    gplans = {
        g: GroupPlan(
            g, tuple(tasks), tasks[0], len(tasks) > 1, True, tuple(ups), tuple(downstream[g])
        )
        for g, (tasks, ups) in groups.items()
    }
    tplans: dict[str, TaskPlan] = {}
    for g, (tasks, ups) in groups.items():
        for i, t in enumerate(tasks):
            gpu = 8 if t.startswith("train") else 0
            inputs = tuple(groups[u][0][0] for u in ups)
            tplans[t] = TaskPlan(t, g, i == 0, ResourceNeeds(cpu=2, gpu=gpu), inputs=inputs)
    return Plan(name, f"{name}-1", gplans, tplans)


def small_plan() -> Plan:
    return make_plan(
        "train-pipeline",
        {
            "prep": (["download", "clean"], []),
            "train": (["train-model"], ["prep"]),
            "eval": (["evaluate"], ["train"]),
            "report": (["publish"], ["eval"]),
        },
    )


def big_plan(tasks: int = 400, per_group: int = 10, width: int = 5) -> Plan:
    """`tasks` tasks in groups of `per_group`, `width` groups per layer, each layer fanning in."""
    groups: dict[str, tuple[list[str], list[str]]] = {}
    for g in range(tasks // per_group):
        layer, slot = divmod(g, width)
        ups = [] if layer == 0 else [f"g{(layer - 1) * width + slot:03d}"]
        if layer and slot:
            ups.append(f"g{(layer - 1) * width + slot - 1:03d}")
        groups[f"g{g:03d}"] = ([f"t{g:03d}-{i:02d}" for i in range(per_group)], ups)
    return make_plan(f"big-{tasks}", groups)


def _run_task(out: list[Event], t: float, task: str, dur: float, code: int = 0) -> float:
    out.append(TaskStatusChanged(t, task, 0, S.SCHEDULING))
    out.append(TaskInitializing(t + 1, task, 0, node="local-0", reason="platform local: amd64"))
    out.append(TaskStatusChanged(t + 1, task, 0, S.INITIALIZING))
    out.append(TaskStatusChanged(t + 2, task, 0, S.RUNNING))
    out.append(TaskLog(t + 2, task, 0, f"{task}: starting"))
    out.append(TaskLog(t + 2 + dur / 2, task, 0, f"{task}: halfway"))
    end = t + 2 + dur
    status = S.COMPLETED if code == 0 else S.FAILED
    msg = "" if code == 0 else f"Task exited with code {code}"
    out.append(TaskStatusChanged(end, task, 0, status, code, msg))
    return end


def completed_events(plan: Plan) -> list[Event]:
    """A recorded-looking run: every group in spec order, task i of a group runs 10*(i+1) s."""
    out: list[Event] = [
        RunStarted(0, plan.workflow, plan.workflow_id, "sim"),
        WorkflowStatusChanged(0, W.RUNNING),
    ]
    t = 0.0
    for g in plan.groups.values():
        out.append(GroupStatusChanged(t, g.name, S.RUNNING))
        end = max(_run_task(out, t, task, 10 * (i + 1)) for i, task in enumerate(g.tasks))
        out.sort(key=lambda e: e.time)
        out.append(GroupStatusChanged(end, g.name, S.COMPLETED))
        t = end
    out.append(WorkflowStatusChanged(t, W.COMPLETED))
    out.append(RunFinished(t, W.COMPLETED))
    return out
