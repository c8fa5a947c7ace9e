"""`osmo-tui runs`: list recorded runs; `osmo-tui runs replay ID` plays one back in the app."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from simulator.errors import UsageError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "runs",
        help="list recorded runs, or replay one in the app",
        description="Without a subcommand: list the runs in the run store "
        "($OSMO_TUI_RUNS_DIR, else ./.osmo-tui/runs).",
    )
    sub = parser.add_subparsers(dest="runs_command", metavar="SUBCOMMAND")
    replay = sub.add_parser("replay", help="play a recorded run back in the app")
    replay.add_argument("run_id", metavar="ID", help="run id, a unique part of it, or `latest`")
    replay.add_argument("--speed", default="instant", help="1x, 10x, 100x or instant")
    replay.add_argument("--paused", action="store_true", help="open paused (step with n)")
    sub.add_parser("list", help="list recorded runs (the default)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if getattr(args, "runs_command", None) == "replay":
        return replay(args)
    return list_runs()


def list_runs() -> int:
    from simulator.runs import RunStore

    store = RunStore()
    runs = store.list()
    if not runs:
        print(f"no runs in {store.root}", file=sys.stderr)
        return 0
    rows = [("ID", "WORKFLOW", "BACKEND", "STATUS", "STARTED")]
    for info in runs:
        started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(info.created))
        status = f"DAMAGED: {info.damaged}" if info.damaged else info.status
        rows.append((_cell(info.id), _cell(info.workflow), _cell(info.backend), status, started))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    return 0


def _cell(text: str) -> str:
    """A table cell from a run's files: one line, printable, bounded (the files may be foreign)."""
    text = "".join(c if c.isprintable() else "?" for c in text)
    return text if len(text) <= 60 else text[:59] + "…"


def replay(args: argparse.Namespace) -> int:
    """Play a recorded run back in the app (scrub with [ and ], step with n)."""
    from osmo_tui.app.app import make_app
    from osmo_tui.app.session import RunOptions
    from osmo_tui.cli.cmd_run import _speed

    speed = _speed(args.speed)
    loaded, plan, events = load_recorded(args.run_id)
    app = make_app(
        RunOptions(record=False), plan=plan, replay_events=events, speed=speed, paused=args.paused
    )
    app.session.loaded = loaded  # pool and source, for badges and the editor
    app.run()
    return 0


def load_recorded(run_id: str) -> tuple[Any, Any, list[Any]]:
    """A recorded run's workflow (from its rendered spec), plan and events."""
    import tempfile
    from pathlib import Path

    from simulator.engine.from_spec import plan_from_spec
    from simulator.errors import SpecErrors
    from simulator.runs import RunStore
    from simulator.runs.reading import DamagedRun, replay_problem
    from simulator.spec.loader import load_workflow

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
    if problem:
        raise DamagedRun(f"run {recorded.info.id} is damaged: {problem}")
    return loaded, plan, recorded.events


def _as_workflow(spec: str) -> str:
    """The store keeps the rendered `workflow:` section; make sure it loads as a workflow file."""
    return spec if spec.lstrip().startswith("workflow:") else "workflow:\n" + _indent(spec)


def _indent(text: str) -> str:
    return "".join(f"  {line}" if line.strip() else line for line in text.splitlines(True))
