"""The one run pipeline behind every surface: request -> prepared run -> `Run` -> execution.

`simulate`, `run --headless`, `run --watch`, the app and `runs replay` all go through here:

    prepared = prepare(RunRequest(path=..., spec=SpecOptions(...), backend=DockerOptions()))
    execution = start(prepared)          # the Run (sim, live or replay) and its record
    report = asyncio.run(execution.run_to_end(observer))
"""

from __future__ import annotations

from simulator.run.execution import Execution, start
from simulator.run.prepare import PreparedRun, PrepareError, prepare, prepare_plan
from simulator.run.reload import LoadOutcome, Reloader
from simulator.run.request import BackendOptions, RunRequest, SimOptions, SpecOptions
from simulator.run.runs import Cancel, Observer, ReplayRun, Run, SimulatedRun

__all__ = [
    "BackendOptions",
    "Cancel",
    "Execution",
    "LoadOutcome",
    "Observer",
    "PrepareError",
    "PreparedRun",
    "Reloader",
    "ReplayRun",
    "Run",
    "RunRequest",
    "SimOptions",
    "SimulatedRun",
    "SpecOptions",
    "prepare",
    "prepare_plan",
    "start",
]
