"""Typed, frozen events: what backends report to the engine and what the engine reports out.

Everything observable (the TUI, `--json`, `--events`, the run store, tests) consumes one stream of
these and folds it into a `RunSnapshot`. Times are seconds since the start of the run (virtual for
the simulator, wall-clock for real backends): the engine never reads a clock itself.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, TypeVar

from simulator.engine.status import TaskStatus, WorkflowStatus

_T = TypeVar("_T")

CancelScope = Literal["workflow", "group", "task"]
"""What a cancel applies to (OSMO cancels a workflow; osmo-tui also a group or one task)."""


def _fast_init(cls: type[_T]) -> type[_T]:
    """Give a frozen slots dataclass an `__init__` that stores through the slot descriptors.

    The generated one calls `object.__setattr__(self, name, value)` per field (that is how
    `frozen` bypasses its own `__setattr__`), which makes an event ~2x slower to create than a
    plain object; a simulated run creates 11 per task. Same signature and defaults, the same
    frozen instance (assignment still raises `FrozenInstanceError`).
    """
    namespace: dict[str, Any] = {}
    params: list[str] = []
    body: list[str] = []
    for field in dataclasses.fields(cls):  # type: ignore[arg-type]
        name = field.name
        namespace[f"_set_{name}"] = cls.__dict__[name].__set__
        if field.default is not dataclasses.MISSING:
            namespace[f"_default_{name}"] = field.default
            params.append(f"{name}=_default_{name}")
        else:
            assert field.default_factory is dataclasses.MISSING, "no default factories in events"
            params.append(name)
        body.append(f"    _set_{name}(self, {name})")
    source = f"def __init__(self, {', '.join(params)}) -> None:\n" + "\n".join(body) + "\n"
    exec(source, namespace)  # the source is built above from the dataclass's own fields
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    cls.__init__ = init  # type: ignore[method-assign]
    return cls


# --- reports from a backend about one attempt (`retry`) of one task -> engine inputs ---------------


@_fast_init
@dataclass(frozen=True, slots=True)
class TaskScheduling:
    """The task's pod/container exists and waits for a node (Kubernetes Pending, no capacity)."""

    time: float
    task: str
    retry: int = 0
    reason: str = ""
    kind: ClassVar[str] = "task_scheduling"


@_fast_init
@dataclass(frozen=True, slots=True)
class TaskInitializing:
    """The task was placed (node chosen) and is pulling its image / downloading inputs."""

    time: float
    task: str
    retry: int = 0
    node: str = ""
    reason: str = ""
    """Why it was placed there (platform, arch, GPUs), shown by the UI."""
    kind: ClassVar[str] = "task_initializing"


@_fast_init
@dataclass(frozen=True, slots=True)
class TaskReady:
    """Inputs are downloaded; the task waits at the group barrier for its command to start."""

    time: float
    task: str
    retry: int = 0
    kind: ClassVar[str] = "task_ready"


@_fast_init
@dataclass(frozen=True, slots=True)
class TaskRunning:
    """The user command started."""

    time: float
    task: str
    retry: int = 0
    kind: ClassVar[str] = "task_running"


@_fast_init
@dataclass(frozen=True, slots=True)
class TaskExited:
    """The user command exited with `exit_code` (exit actions apply)."""

    time: float
    task: str
    retry: int
    exit_code: int
    kind: ClassVar[str] = "task_exited"


@_fast_init
@dataclass(frozen=True, slots=True)
class TaskFailed:
    """A backend-reported failure instead of an exit: preemption, eviction, image pull, lost node."""

    time: float
    task: str
    retry: int
    status: TaskStatus
    exit_code: int | None = None
    message: str = ""
    kind: ClassVar[str] = "task_failed"


@_fast_init
@dataclass(frozen=True, slots=True)
class TaskLog:
    """One line of a task's output (never dropped; the TUI batches them)."""

    time: float
    task: str
    retry: int
    line: str
    stream: str = "stdout"
    kind: ClassVar[str] = "task_log"


@_fast_init
@dataclass(frozen=True, slots=True)
class GroupReused:
    """The driver restored the whole group from an earlier run (`source`, its run id) instead of
    running it: its tasks' logs and outputs are in place; the engine completes it (docs/reuse.md)."""

    time: float
    group: str
    source: str
    kind: ClassVar[str] = "group_reused"


# --- requests from the user or the driver -> engine inputs -----------------------------------------


@_fast_init
@dataclass(frozen=True, slots=True)
class CancelRequested:
    """Cancel the workflow (`scope="workflow"`), one group or one task."""

    time: float
    scope: CancelScope = "workflow"
    name: str = ""
    message: str = ""
    user: str = ""
    """Who cancels (OSMO's `cancelled_by`); the driver fills it from the environment."""
    force: bool = False
    """`--force`: do not wait for a group that is still PROCESSING (SPEC §5.10)."""
    kind: ClassVar[str] = "cancel_requested"


@_fast_init
@dataclass(frozen=True, slots=True)
class TimerFired:
    """A timer the engine armed (queue/exec timeout, cancel retry) is due."""

    time: float
    key: str
    kind: ClassVar[str] = "timer_fired"


# --- what the engine reports out -------------------------------------------------------------------


@_fast_init
@dataclass(frozen=True, slots=True)
class RunStarted:
    """A run of a workflow began on a backend."""

    time: float
    workflow: str
    workflow_id: str
    backend: str
    kind: ClassVar[str] = "run_started"


@_fast_init
@dataclass(frozen=True, slots=True)
class WorkflowStatusChanged:
    time: float
    status: WorkflowStatus
    message: str = ""
    kind: ClassVar[str] = "workflow_status"


@_fast_init
@dataclass(frozen=True, slots=True)
class GroupStatusChanged:
    time: float
    group: str
    status: TaskStatus
    message: str = ""
    kind: ClassVar[str] = "group_status"


@_fast_init
@dataclass(frozen=True, slots=True)
class TaskStatusChanged:
    time: float
    task: str
    retry: int
    status: TaskStatus
    exit_code: int | None = None
    message: str = ""
    kind: ClassVar[str] = "task_status"


@_fast_init
@dataclass(frozen=True, slots=True)
class TaskReused:
    """The task did not run: its result (logs, outputs, COMPLETED) comes from run `source`."""

    time: float
    task: str
    source: str
    kind: ClassVar[str] = "task_reused"


@_fast_init
@dataclass(frozen=True, slots=True)
class RunWarning:
    """Something the user should know that does not fail the run (e.g. an unsupported field)."""

    time: float
    message: str
    task: str = ""
    kind: ClassVar[str] = "warning"


@_fast_init
@dataclass(frozen=True, slots=True)
class RunFinished:
    time: float
    status: WorkflowStatus
    kind: ClassVar[str] = "run_finished"


BackendReport = (
    TaskScheduling | TaskInitializing | TaskReady | TaskRunning | TaskExited | TaskFailed | TaskLog
)
EngineInput = BackendReport | GroupReused | CancelRequested | TimerFired
EngineOutput = (
    RunStarted
    | WorkflowStatusChanged
    | GroupStatusChanged
    | TaskStatusChanged
    | TaskReused
    | RunWarning
    | RunFinished
)
Event = EngineInput | EngineOutput

EVENT_TYPES: dict[str, type[Any]] = {
    cls.kind: cls
    for cls in (
        TaskScheduling,
        TaskInitializing,
        TaskReady,
        TaskRunning,
        TaskExited,
        TaskFailed,
        TaskLog,
        GroupReused,
        CancelRequested,
        TimerFired,
        RunStarted,
        WorkflowStatusChanged,
        GroupStatusChanged,
        TaskStatusChanged,
        TaskReused,
        RunWarning,
        RunFinished,
    )
}


def event_to_dict(event: Event) -> dict[str, Any]:
    """The JSON-lines form: `{"kind": ..., "time": ..., <fields>}` with enums as their names."""
    out: dict[str, Any] = {"kind": event.kind}
    for field in dataclasses.fields(event):
        value = getattr(event, field.name)
        out[field.name] = value.value if isinstance(value, TaskStatus | WorkflowStatus) else value
    return out


def event_from_dict(data: dict[str, Any]) -> Event:
    """Inverse of `event_to_dict` (used to replay a recorded run)."""
    cls = EVENT_TYPES[data["kind"]]
    kwargs = {k: v for k, v in data.items() if k != "kind"}
    if "status" in kwargs:
        enum = WorkflowStatus if cls in (WorkflowStatusChanged, RunFinished) else TaskStatus
        kwargs["status"] = enum(kwargs["status"])
    event: Event = cls(**kwargs)
    return event
