"""`osmo-tui runs`: list recorded runs; `osmo-tui runs replay ID` plays one back in the app."""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any

from osmo_tui.cli.cmd_run import parse_speed


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
    replay.add_argument(
        "--speed",
        default=10.0,
        type=parse_speed,
        help="1x, 10x (default), 100x or instant: a replay opens at the start and plays",
    )
    replay.add_argument("--paused", action="store_true", help="open paused (step with n)")
    sub.add_parser("list", help="list recorded runs (the default)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if getattr(args, "runs_command", None) == "replay":
        return replay(args)
    return list_runs()


def list_runs() -> int:
    from simulator.run.workflows import liveness
    from simulator.runs import RunStore

    store = RunStore()
    # on stderr: the table on stdout stays a table for scripts
    print(f"run store: {store_origin()}", file=sys.stderr)
    runs = store.list()
    if not runs:
        print(f"no runs in {store.root}", file=sys.stderr)
        return 0
    rows = [("ID", "WORKFLOW", "BACKEND", "STATUS", "STARTED")]
    for info in runs:
        started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(info.created))
        status, why = liveness(info)
        shown = f"{status}: {why}" if why else status
        rows.append((_cell(info.id), _cell(info.workflow), _cell(info.backend), shown, started))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    return 0


def store_origin() -> str:
    """Where the run store is and why there: a store that follows the working directory
    otherwise shows other runs elsewhere with no hint why."""
    from simulator.runs import runs_root

    root = runs_root()
    if os.environ.get("OSMO_TUI_RUNS_DIR"):
        return f"{root} (from $OSMO_TUI_RUNS_DIR)"
    return (
        f"{root} (./.osmo-tui/runs relative to the current directory; "
        "set $OSMO_TUI_RUNS_DIR to use one store everywhere)"
    )


def _cell(text: str) -> str:
    """A table cell from a run's files: one line, printable, bounded (the files may be foreign)."""
    text = "".join(c if c.isprintable() else "?" for c in text)
    return text if len(text) <= 60 else text[:59] + "…"


def replay(args: argparse.Namespace) -> int:
    """Play a recorded run back in the app (scrub with [ and ], step with n)."""
    from osmo_tui.app.app import make_app
    from simulator.run.replay import prepare_replay

    prepared, events = prepare_replay(args.run_id)
    app = make_app(prepared=prepared, replay_events=events, speed=args.speed, paused=args.paused)
    app.session.recorded_end = _recorded_end(args.run_id)
    app.run()
    return 0


def _recorded_end(run_id: str) -> str:
    """Why the record of a run that never finished stops where it does ('' if it finished or
    its process still runs): the replay then ends UNKNOWN, not RUNNING."""
    from simulator.run.workflows import liveness
    from simulator.runs import RunStore

    store = RunStore()
    path = store.resolve(run_id)
    info = next((r for r in store.list() if r.path == path), None)
    if info is None:
        return ""
    status, why = liveness(info)
    return why if status == "UNKNOWN" else ""
