"""`--explain`: where each task's simulated duration and exit code come from (a prepared run)."""

from __future__ import annotations

from simulator.backends.sim import SimRun
from simulator.run.prepare import PreparedRun


def explain(prepared: PreparedRun) -> list[str]:
    """One line per task, from the same simulator `simulate` runs (same scenario, same seed)."""
    sim = SimRun(prepared.plan, prepared.scenario, seed=prepared.request.seed, pool=prepared.pool)
    return sim.explain()
