"""The run dir's list of kept failed tasks (`--keep-failed`): where each one's container or pod
is, so `workflow exec` finds it after the run has ended (no control endpoint then)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from simulator.engine.port import Target

KEPT_FILE = "kept.json"
"""`{"<task>#<retry>": Target json}`, written by the run's backend (its only writer)."""


def record(run_dir: Path, task: str, retry: int, target: Target) -> None:
    kept = read(run_dir)
    kept[f"{task}#{retry}"] = target.to_json()
    path = run_dir / KEPT_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(kept, indent=1) + "\n")
    tmp.replace(path)


def read(run_dir: Path) -> dict[str, Any]:
    try:
        found = json.loads((run_dir / KEPT_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def kept_target(run_dir: Path, task: str, retry: int) -> Target | None:
    entry = read(run_dir).get(f"{task}#{retry}")
    return Target.from_json(entry) if isinstance(entry, dict) else None
