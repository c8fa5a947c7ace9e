"""`osmo-tui runs`: list recorded runs; `osmo-tui runs replay ID` plays one back in the app."""

from __future__ import annotations

import argparse
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
    from simulator.run.replay import prepare_replay

    prepared, events = prepare_replay(args.run_id)
    app = make_app(prepared=prepared, replay_events=events, speed=args.speed, paused=args.paused)
    app.run()
    return 0
