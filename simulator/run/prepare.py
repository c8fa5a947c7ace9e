"""`prepare`: a `RunRequest` becomes a `PreparedRun` (spec, plan, scenario, pool), in one place.

Every front end loads through here, so the CLI, the app, `--watch` and replay cannot disagree on
how the pool config, the scenario's `pool:` keys, template values and labels combine.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulator.backends.scenario import Scenario, load_scenario
from simulator.engine.from_spec import plan_from_spec
from simulator.engine.gcpause import gc_paused
from simulator.engine.plan import Plan, TaskPlan
from simulator.errors import OsmoTuiError, SpecError, SpecErrors, UsageError
from simulator.pool.config import PoolConfig, load_pool
from simulator.run.request import RunRequest
from simulator.spec.loader import LoadedWorkflow, load_workflow


class PrepareError(OsmoTuiError):
    """The request cannot become a run: the spec, scenario or pool is invalid (exit 2)."""

    exit_code = 2

    def __init__(
        self, errors: list[SpecError], dependencies: list[Path] | None = None, rendered: str = ""
    ) -> None:
        super().__init__("\n".join(e.render() for e in errors))
        self.errors = errors
        self.dependencies = dependencies or []
        """Files read before the failure: hot reload watches them too (fixing one must reload)."""
        self.rendered = rendered
        """The rendered spec that "in rendered spec" locations refer to ("" before rendering)."""

    def lines(self) -> list[str]:
        return [e.render() for e in self.errors]


@dataclass
class PreparedRun:
    """Everything a run needs, loaded and checked: what `start` turns into a `Run`."""

    request: RunRequest
    plan: Plan
    scenario: Scenario = field(default_factory=Scenario)
    pool: PoolConfig | None = None
    loaded: LoadedWorkflow | None = None
    """The loaded workflow (None for a plan handed over directly)."""

    @property
    def rendered(self) -> str:
        return self.loaded.rendered if self.loaded is not None else ""

    @property
    def warnings(self) -> list[Any]:
        return list(self.loaded.warnings) if self.loaded is not None else []

    def dependencies(self) -> list[Path]:
        """Files whose change means a reload: workflow, localpath files, pool config, scenario."""
        request = self.request
        paths = [Path(p) for p in self.loaded.dependencies] if self.loaded is not None else []
        if not paths and request.path is not None:
            paths.append(request.path)
        return paths + extra_dependencies(request)

    def task_specs(self) -> dict[str, Any]:
        """Task name -> comparable form (group and spec as data), to diff two loads."""
        out: dict[str, Any] = {}
        spec = self.loaded.spec if self.loaded is not None else None
        for group in spec.groups if spec is not None else []:
            for task in group.tasks:
                out[task.name] = (group.name, task.model_dump(mode="json"))
        return out or {name: _plain(t) for name, t in self.plan.tasks.items()}


def extra_dependencies(request: RunRequest) -> list[Path]:
    """The request's own files besides the workflow: the pool config and the scenario."""
    return [Path(p) for p in (request.spec.pool_config, request.scenario) if p is not None]


def _plain(task: TaskPlan) -> Any:
    spec = task.spec
    if spec is not None:
        return (task.group, spec.model_dump(mode="json"))
    return dataclasses.replace(task, spec=None)


def prepare(request: RunRequest) -> PreparedRun:
    """Load, render, validate and plan; every failure is a `PrepareError` listing its errors.

    The cyclic GC is paused while loading: a big workflow allocates hundreds of thousands of
    long-lived objects and each collection would rescan them all (2x faster at 20,000 tasks).
    """
    with gc_paused():
        try:
            return _prepare(request)
        except PrepareError:
            raise
        except SpecErrors as exc:
            deps = [Path(p) for p in getattr(exc, "dependencies", [])]
            raise PrepareError(list(exc.errors), deps, getattr(exc, "rendered", "")) from None
        except SpecError as exc:
            raise PrepareError([exc]) from None
        except OsmoTuiError as exc:
            raise PrepareError([SpecError(exc.render())]) from None


def _prepare(request: RunRequest) -> PreparedRun:
    path = request.path
    if path is None:
        raise UsageError("no workflow file given")
    if not Path(path).is_file():
        raise UsageError(f"no such workflow file: {path}")
    scenario = load_scenario(request.scenario) if request.scenario else Scenario()
    options = request.spec
    pool = scenario_pool(options.pool_config, scenario, options.submission.pool)
    loaded = load_workflow(
        path,
        set_values=options.set_values,
        set_strings=options.set_strings,
        pool=pool,
        submission=options.submission,
    )
    plan = plan_from_spec(loaded, workflow_id=request.workflow_id)
    scenario.check_names(plan)
    return PreparedRun(request, plan, scenario, loaded.pool, loaded)


def scenario_pool(
    pool_config: Path | None, scenario: Scenario, pool_name: str | None = None
) -> PoolConfig:
    """The pool config (its pool `pool_name`, for OSMO's configuration) with the scenario's
    `pool:` keys over it; a bad key is the scenario's."""
    if not scenario.pool:
        return load_pool(pool_config, pool_name=pool_name)
    load_pool(pool_config, pool_name=pool_name)  # the config's own errors are the config's
    try:
        return load_pool(pool_config, overrides=scenario.pool, pool_name=pool_name)
    except SpecErrors as exc:
        where = scenario.location_of(("pool",))
        raise UsageError(f"{where}: pool: {exc.errors[0].message}") from None


def prepare_plan(
    request: RunRequest, plan: Plan, loaded: LoadedWorkflow | None = None
) -> PreparedRun:
    """A plan built elsewhere (a replay's recorded spec, a test) with the request's scenario."""
    try:
        scenario = load_scenario(request.scenario) if request.scenario else Scenario()
        scenario.check_names(plan)
    except OsmoTuiError as exc:
        raise PrepareError([SpecError(exc.render())]) from None
    pool = loaded.pool if loaded is not None else None
    return PreparedRun(request, plan, scenario, pool, loaded)
