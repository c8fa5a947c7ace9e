"""`osmo-tui run FILE`: the app on a workflow (default), or headless, optionally re-running on save."""

from __future__ import annotations

import argparse
import math
import sys
from typing import Any

SPEEDS = {"1": 1.0, "1x": 1.0, "10": 10.0, "10x": 10.0, "100": 100.0, "100x": 100.0}


def register(subparsers: Any) -> None:
    from osmo_tui.cli.cmd_simulate import add_run_options

    parser = subparsers.add_parser(
        "run",
        help="open the app on a workflow (simulator by default)",
        description="Open the live app on FILE; --headless runs it without the app "
        "(the same as `osmo-tui simulate` for the simulator).",
    )
    add_run_options(parser)
    parser.add_argument("--headless", action="store_true", help="no app: print the run's result")
    parser.add_argument(
        "--watch",
        action="store_true",
        help="with --headless: re-run on every save of FILE or a file it reads",
    )
    parser.add_argument(
        "--no-watch", action="store_true", help="in the app: do not reload when files change"
    )
    parser.add_argument(
        "--speed",
        default=10.0,
        type=parse_speed,
        help="simulator playback speed: 1x, 10x, 100x or instant",
    )
    parser.add_argument("--paused", action="store_true", help="open with playback paused")
    parser.set_defaults(func=run)


def parse_speed(text: str) -> float:
    """`--speed` (an argparse type: a bad value is a usage error before anything runs)."""
    if text == "instant":
        return math.inf
    if text not in SPEEDS:
        raise argparse.ArgumentTypeError(f"must be 1x, 10x, 100x or instant, not {text!r}")
    return SPEEDS[text]


def run(args: argparse.Namespace) -> int:
    from osmo_tui.cli.request import run_request

    headless = args.headless or not (sys.stdin.isatty() and sys.stdout.isatty())
    # The edit loop (the app, --watch) reuses finished groups unless --no-reuse; a one-shot
    # headless run only with --reuse (docs/reuse.md).
    request = run_request(args, reuse=args.watch or not headless)
    if headless:
        if args.watch:
            return run_headless_watching(args, request)
        from osmo_tui.cli.cmd_simulate import run_headless

        return run_headless(args, request)
    from osmo_tui.app.app import make_app

    app = make_app(request, speed=args.speed, paused=args.paused, watch=not args.no_watch)
    app.run()
    if app.exit_note:
        leave_now(app.exit_note, app.return_code or 0)
    return app.return_code or 0


def leave_now(note: str, code: int) -> None:
    """The second quit: say what was left, then end the process at once.

    The backend's threads are still stopping the run's containers/pods (for up to the grace
    period) and the interpreter would join them before the shell gets its prompt back. The
    record is already closed; what is left carries the run's labels, and `osmo-tui gc` removes
    it once this process is gone."""
    import logging
    import os

    print(note, file=sys.stderr)
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def run_headless_watching(args: argparse.Namespace, request: Any) -> int:
    """Run headless now and again after every change, printing what changed each time.

    Nothing stops the loop but Ctrl-C: an invalid save prints its errors, an internal error
    prints one line (its trace goes to the crash log), and the next save is picked up."""
    from simulator.run import Reloader
    from simulator.watch import watch_files

    reloader = Reloader(request)
    code = _rerun(args, reloader, reloader.load())
    count = len(reloader.dependencies())
    print(f"osmo-tui: watching {count} file(s); Ctrl-C stops", file=sys.stderr, flush=True)
    try:
        for changed in watch_files(reloader.dependencies):
            names = ", ".join(sorted(p.name for p in changed))
            outcome = reloader.load()
            summary = outcome.diff.summary() if outcome.ok and outcome.diff else "invalid"
            print(f"osmo-tui: {names} changed: {summary}", file=sys.stderr, flush=True)
            code = _rerun(args, reloader, outcome)
            sys.stdout.flush()
    except KeyboardInterrupt:
        pass
    return code


def _rerun(args: argparse.Namespace, reloader: Any, outcome: Any) -> int:
    """One run of the last load; errors are printed, never raised."""
    from osmo_tui.cli.cmd_simulate import execute
    from simulator.errors import OsmoTuiError, crash_log

    if not outcome.ok:
        for error in outcome.errors:
            print(f"osmo-tui: {error.render()}", file=sys.stderr, flush=True)
        return 2
    try:
        return execute(args, reloader.prepared)
    except OsmoTuiError as exc:
        print(f"osmo-tui: {exc.render()}", file=sys.stderr, flush=True)
        return exc.exit_code
    except Exception as exc:  # a bug in one run must not end the watch
        where = crash_log(exc)
        print(f"osmo-tui: internal error: {exc!r} (details in {where})", file=sys.stderr)
        return 70
