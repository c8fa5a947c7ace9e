"""The run store: recorded runs on disk (spec, events, logs, outputs, report) for inspection and replay."""

from __future__ import annotations

from simulator.runs.store import RecordedRun, RunInfo, RunRecorder, RunStore, log_name, runs_root

__all__ = ["RecordedRun", "RunInfo", "RunRecorder", "RunStore", "log_name", "runs_root"]
