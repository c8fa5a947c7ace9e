"""The conformance suite through `RealtimeRun` with local processes: the real-time path of the
engine (wall-clock timers, kills, barrier releases) yields the same outcomes as the simulator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.backends.contract import BackendContract, run_realtime
from tests.engine.test_realtime import ProcessBackend


class TestProcessContract(BackendContract):
    def run_plan(self, plan: Any, tmp_path: Path) -> dict[str, Any]:
        commands = {name: t.spec.command[-1] for name, t in plan.tasks.items()}
        return run_realtime(plan, ProcessBackend(commands), tmp_path, timeout=60)
