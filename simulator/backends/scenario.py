"""Scenario files for the simulator: what each task does, validated with pydantic, errors with
file:line; and how a task's attempt is resolved (scenario, then its script, then defaults)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
)

from simulator import inputs
from simulator.engine.plan import Plan
from simulator.engine.status import TaskStatus
from simulator.errors import UsageError

BACKEND_FAILURES = frozenset(
    {
        TaskStatus.FAILED,
        TaskStatus.FAILED_PREEMPTED,
        TaskStatus.FAILED_EVICTED,
        TaskStatus.FAILED_IMAGE_PULL,
        TaskStatus.FAILED_START_ERROR,
        TaskStatus.FAILED_START_TIMEOUT,
        TaskStatus.FAILED_BACKEND_ERROR,
        TaskStatus.FAILED_SERVER_ERROR,
    }
)
"""Statuses a scenario may make the backend report instead of an exit."""

PRE_RUN_FAILURES = frozenset(
    {TaskStatus.FAILED_IMAGE_PULL, TaskStatus.FAILED_START_ERROR, TaskStatus.FAILED_START_TIMEOUT}
)
"""These happen while the pod initializes, before the command can run."""


MAX_SECONDS = 100 * 365 * 86400.0
"""A century of virtual time: the bound of every scenario time (larger ones overflow the clock)."""


def _finite_or_forever(value: float) -> float:
    if math.isnan(value) or (value > MAX_SECONDS and not math.isinf(value)):
        raise ValueError(f"must be a number of seconds up to {MAX_SECONDS:.0f}, or .inf (forever)")
    return value


Seconds = Annotated[float, Field(ge=0, le=MAX_SECONDS, allow_inf_nan=False)]
"""A finite, bounded time in virtual seconds."""
Duration = Annotated[float, Field(ge=0), AfterValidator(_finite_or_forever)]
"""Like `Seconds`, but `.inf` means the command runs until it is killed."""


class Attempt(BaseModel):
    """What one attempt of a task does; unset fields fall back to the task, then to the script."""

    model_config = ConfigDict(extra="forbid")

    duration: Duration | None = None
    """Virtual seconds the command runs (`.inf`: until killed)."""
    exit_code: int | None = Field(default=None, ge=0, le=4000)
    queue: Seconds | None = None
    """Seconds in SCHEDULING before the pod is placed (on top of waiting for capacity)."""
    init: Seconds | None = None
    """Seconds INITIALIZING (image pull, input download) before the task is ready."""
    status: TaskStatus | None = None
    """A backend-reported failure (e.g. FAILED_PREEMPTED) instead of an exit."""
    message: str | None = None
    """The backend's message for `status`."""
    logs: list[str] | None = None
    """Lines the command prints, spread over its duration."""

    @field_validator("status")
    @classmethod
    def _backend_failure(cls, value: TaskStatus | None) -> TaskStatus | None:
        if value is not None and value not in BACKEND_FAILURES:
            allowed = ", ".join(sorted(BACKEND_FAILURES))
            raise ValueError(f"status must be one a backend reports: {allowed}")
        return value


class TaskScenario(Attempt):
    attempts: list[Attempt] = Field(default_factory=list)
    """Per retry, in order; the last one repeats."""


class Defaults(BaseModel):
    model_config = ConfigDict(extra="forbid")

    duration: Duration = 1.0
    """Virtual seconds for a task whose script has no literal `sleep`."""
    exit_code: int = Field(default=0, ge=0, le=4000)
    queue: Seconds = 0.0
    init: Seconds = 0.0


class CancelAt(BaseModel):
    model_config = ConfigDict(extra="forbid")

    at: Seconds
    cancel: str
    """`workflow`, a group name or a task name."""
    message: str = ""
    force: bool = False


class Scenario(BaseModel):
    """A scripted run: `osmo-tui simulate FILE --scenario S`."""

    model_config = ConfigDict(extra="forbid")

    seed: int | None = None
    jitter: float = Field(default=0.0, ge=0, lt=1)
    """Randomise every duration by up to this fraction (seeded, so still deterministic)."""
    pool: dict[str, Any] = Field(default_factory=dict)
    """Pool-config keys overriding `--pool-config` (e.g. max_retry_per_task)."""
    default: Defaults = Field(default_factory=Defaults)
    tasks: dict[str, TaskScenario] = Field(default_factory=dict)
    events: list[CancelAt] = Field(default_factory=list)

    _text: str = PrivateAttr(default="")
    _name: str = PrivateAttr(default="scenario")

    def check_names(self, plan: Plan, path: str | None = None) -> None:
        """Every task and cancel target must exist in the workflow (exit 2 otherwise)."""
        for name in self.tasks:
            if name not in plan.tasks:
                where = self._where(("tasks", name), path)
                raise UsageError(f"{where}: tasks.{name}: no task named {name!r} in the workflow")
        for i, event in enumerate(self.events):
            target = event.cancel
            if target != "workflow" and target not in plan.groups and target not in plan.tasks:
                where = self._where(("events", i, "cancel"), path)
                raise UsageError(
                    f"{where}: events.{i}.cancel: {target!r} is not `workflow`, a group or a task"
                )

    def location_of(self, loc: tuple[Any, ...]) -> str:
        """`file:line` of a key of the scenario (as far as it can be found)."""
        return self._where(loc, None)

    def _where(self, loc: tuple[Any, ...], path: str | None) -> str:
        name = path or self._name
        line = _line_of(self._text, loc) if self._text else None
        return f"{name}:{line}" if line else name


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file; errors are one line with file:line (UsageError, exit 2)."""
    try:
        text = inputs.read_text(path, what="scenario", max_bytes=inputs.MAX_CONFIG_BYTES)
    except inputs.InputError as exc:
        raise UsageError(f"cannot read scenario {exc}") from None
    return parse_scenario(text, inputs.shown(path))


def parse_scenario(text: str, name: str = "scenario") -> Scenario:
    try:
        data = inputs.load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{name}:{mark.line + 1}:{mark.column + 1}" if mark else name
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise UsageError(f"{where}: invalid YAML: {problem}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise UsageError(f"{name}:1: a scenario is a mapping (seed, pool, default, tasks, events)")
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        line = _line_of(text, loc)
        where = f"{name}:{line}" if line else name
        dotted = ".".join(str(p) for p in loc)
        raise UsageError(f"{where}: {dotted}: {err['msg']}") from exc
    scenario._text, scenario._name = text, name
    return scenario


def _line_of(text: str, loc: tuple[Any, ...]) -> int | None:
    """The 1-based line of the YAML node at `loc` (as deep as the path can be followed)."""
    try:
        node = yaml.compose(text, Loader=inputs.Loader)  # libyaml: a 2 MB line in milliseconds
    except yaml.YAMLError:
        return None
    line = None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = [(k, v) for k, v in node.value if k.value == str(part)]
            if not match:
                break
            line = match[0][0].start_mark.line + 1
            node = match[0][1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                break
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


@dataclass(frozen=True, slots=True)
class InferredTask:
    """What a task's rendered script says literally (None: the script does not say)."""

    duration: float | None
    exit_code: int | None
    logs: tuple[str, ...]
    duration_source: str
    exit_source: str


@dataclass(frozen=True, slots=True)
class AttemptPlan:
    """Everything the simulator needs for one attempt, resolved."""

    duration: float
    exit_code: int
    queue: float
    init: float
    status: TaskStatus | None
    message: str
    logs: tuple[str, ...]


def resolve_attempt(
    scenario: Scenario, task: str, retry: int, inferred: InferredTask
) -> AttemptPlan:
    """Attempt fields, then the task's, then what its script says, then the scenario default."""
    ts = scenario.tasks.get(task)
    layers: list[Attempt] = []
    if ts is not None:
        if ts.attempts:
            layers.append(ts.attempts[min(retry, len(ts.attempts) - 1)])
        layers.append(ts)

    def pick(field: str, fallback: Any) -> Any:
        for layer in layers:
            value = getattr(layer, field)
            if value is not None:
                return value
        return fallback

    default = scenario.default
    duration = inferred.duration if inferred.duration is not None else default.duration
    exit_code = inferred.exit_code if inferred.exit_code is not None else default.exit_code
    return AttemptPlan(
        duration=float(pick("duration", duration)),
        exit_code=int(pick("exit_code", exit_code)),
        queue=float(pick("queue", default.queue)),
        init=float(pick("init", default.init)),
        status=pick("status", None),
        message=pick("message", "") or "",
        logs=tuple(pick("logs", list(inferred.logs))),
    )


def explain_task(scenario: Scenario, task: str, inferred: InferredTask) -> str:
    """One line: where the simulated duration and exit code of `task` come from."""
    ts = scenario.tasks.get(task)
    attempts = ts.attempts if ts is not None else []
    if ts is not None and (
        ts.duration is not None or any(a.duration is not None for a in attempts)
    ):
        dsrc = "scenario"
    elif inferred.duration is not None:
        dsrc = inferred.duration_source
    else:
        dsrc = f"scenario default ({_secs(scenario.default.duration)})"
    if ts is not None and (ts.status is not None or any(a.status is not None for a in attempts)):
        esrc = "scenario status"
    elif ts is not None and (
        ts.exit_code is not None or any(a.exit_code is not None for a in attempts)
    ):
        esrc = "scenario"
    elif inferred.exit_code is not None:
        esrc = inferred.exit_source
    else:
        esrc = f"default exit code {scenario.default.exit_code}"
    resolved = resolve_attempt(scenario, task, 0, inferred)
    outcome = f"status {resolved.status}" if resolved.status else f"exit code {resolved.exit_code}"
    return f"{task}: duration {_secs(resolved.duration)} from {dsrc}; {outcome} from {esrc}"


def _secs(value: float) -> str:
    if math.isinf(value):
        return "forever (until killed)"
    return f"{value:g}s"
