"""The `--json` document of a run, built from its folded snapshot (times in seconds, null unknown)."""

from __future__ import annotations

from typing import Any

from simulator.engine.snapshot import RunSnapshot


def _t(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def build_report(snap: RunSnapshot) -> dict[str, Any]:
    """`{"workflow": {...}, "groups": {...}, "tasks": {...}}` exactly as issue 3 specifies."""
    return {
        "workflow": {
            "name": snap.workflow,
            "status": str(snap.status),
            "start_time": _t(snap.start_time),
            "end_time": _t(snap.end_time),
        },
        "groups": {
            name: {
                "status": str(g.status),
                "start_time": _t(g.start_time),
                "end_time": _t(g.end_time),
                "tasks": list(g.tasks),
            }
            for name, g in snap.groups.items()
        },
        "tasks": {
            name: {
                "group": t.group,
                "lead": t.lead,
                "status": str(t.status),
                "exit_code": t.exit_code,
                "retries": t.retries,
                "start_time": _t(t.start_time),
                "end_time": _t(t.end_time),
                "message": t.message,
                "reused_from": t.reused_from,
            }
            for name, t in snap.tasks.items()
        },
    }
