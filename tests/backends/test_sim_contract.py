"""The simulator passes the backend conformance suite (reading the same scripts real backends run)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from simulator.backends.sim import SimRun
from simulator.engine.report import build_report
from tests.backends.contract import BackendContract


class TestSimContract(BackendContract):
    def run_plan(self, plan: Any, tmp_path: Path) -> dict[str, Any]:
        run = SimRun(plan)
        run.run_to_end()
        return build_report(run.snapshot)
