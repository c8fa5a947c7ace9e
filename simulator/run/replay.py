"""Replay: a recorded run becomes a `PreparedRun` (its graph from the recorded spec) and its events."""

from __future__ import annotations

import tempfile
from pathlib import Path

from simulator.engine.events import Event
from simulator.engine.from_spec import plan_from_spec
from simulator.errors import SpecErrors, UsageError
from simulator.run.prepare import PreparedRun, prepare_plan
from simulator.run.request import RunRequest
from simulator.runs import RunStore
from simulator.runs.reading import DamagedRun, replay_problem
from simulator.spec.loader import load_workflow


def prepare_replay(run_id: str) -> tuple[PreparedRun, list[Event]]:
    """A recorded run's workflow (rebuilt from its rendered spec), plan and events."""
    recorded = RunStore().load(run_id)
    if not recorded.spec.strip():
        raise UsageError(f"run {recorded.info.id} has no recorded spec to rebuild its graph")
    with tempfile.TemporaryDirectory() as tmp:
        spec_file = Path(tmp) / "spec.yaml"
        spec_file.write_text(_as_workflow(recorded.spec))
        try:
            loaded = load_workflow(spec_file)
        except SpecErrors as exc:
            first = exc.errors[0].message
            message = f"run {recorded.info.id}: its recorded spec no longer loads: {first}"
            raise UsageError(message) from exc
    plan = plan_from_spec(loaded, workflow_id=recorded.info.workflow_id or None)
    problem = replay_problem(plan, recorded.events)
    if problem:  # events of tasks the spec does not have, or out of order: not this run's
        raise DamagedRun(f"run {recorded.info.id} is damaged: {problem}")
    request = RunRequest(record=False)
    return prepare_plan(request, plan, loaded), recorded.events


def _as_workflow(spec: str) -> str:
    """The store keeps the rendered `workflow:` section; make sure it loads as a workflow file."""
    return spec if spec.lstrip().startswith("workflow:") else "workflow:\n" + _indent(spec)


def _indent(text: str) -> str:
    return "".join(f"  {line}" if line.strip() else line for line in text.splitlines(True))
