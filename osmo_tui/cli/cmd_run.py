"""`osmo-tui run FILE`: the app on a workflow (default), or headless, optionally re-running on save."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from simulator.errors import UsageError

SPEEDS = {"1": 1.0, "1x": 1.0, "10": 10.0, "10x": 10.0, "100": 100.0, "100x": 100.0}


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "run",
        help="open the app on a workflow (simulator by default)",
        description="Open the live app on FILE; --headless runs it without the app "
        "(the same as `osmo-tui simulate` for the simulator).",
    )
    add_options(parser)
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
        "--speed", default="10x", help="simulator playback speed: 1x, 10x, 100x or instant"
    )
    parser.add_argument("--paused", action="store_true", help="open with playback paused")
    parser.set_defaults(func=run)


def add_options(parser: argparse.ArgumentParser) -> None:
    """The run options shared with `simulate` (its own definition when it exists)."""
    try:
        from osmo_tui.cli.cmd_simulate import add_run_options
    except ImportError:
        pass
    else:
        add_run_options(parser)
        _ensure_backend(parser)
        return
    parser.add_argument("file", metavar="FILE", help="workflow YAML")
    parser.add_argument("--set", dest="set_values", action="append", default=[], metavar="K=V")
    parser.add_argument(
        "--set-string", dest="set_strings", action="append", default=[], metavar="K=V"
    )
    parser.add_argument("--pool-config", type=Path, help="pool config YAML")
    parser.add_argument("--scenario", type=Path, help="simulator scenario YAML")
    parser.add_argument("--seed", type=int, help="simulator seed")
    _ensure_backend(parser)


def _ensure_backend(parser: argparse.ArgumentParser) -> None:
    if not any("--backend" in a.option_strings for a in parser._actions):
        parser.add_argument(
            "--backend",
            default="sim",
            choices=("sim", "docker", "kubernetes"),
            help="where tasks run",
        )


def _speed(text: str) -> float:
    if text == "instant":
        return float("inf")
    if text not in SPEEDS:
        raise UsageError(f"--speed must be 1x, 10x, 100x or instant, not {text!r}")
    return SPEEDS[text]


def run_options(args: argparse.Namespace) -> Any:
    """RunOptions from parsed arguments (tolerant of the shared option names)."""
    from osmo_tui.app.session import RunOptions
    from osmo_tui.cli.cmd_validate import submission

    path = Path(_first(args, "file", "workflow", "path"))
    if not path.is_file():
        raise UsageError(f"no such workflow file: {path}")

    def opt_path(*names: str) -> Path | None:
        value = _first(args, *names)
        return Path(value) if value else None

    return RunOptions(
        path=path,
        backend=getattr(args, "backend", "sim") or "sim",
        set_values=tuple(_first(args, "set_values", "set", "values") or ()),
        set_strings=tuple(_first(args, "set_strings", "set_string") or ()),
        pool_config=opt_path("pool_config"),
        submission=submission(args),
        scenario=opt_path("scenario"),
        seed=getattr(args, "seed", None),
        workflow_id=getattr(args, "workflow_id", None),
        record=not getattr(args, "no_record", False),
        backend_options=_backend_options(args),
    )


def _backend_options(args: argparse.Namespace) -> dict[str, Any]:
    """Options of the chosen real-time backend, as `simulate`/`run --headless` derive them."""
    backend = getattr(args, "backend", None)
    if backend == "kubernetes":
        from simulator.backends.kubernetes.cli import kube_options

        options = kube_options(args, scenario=getattr(args, "scenario", None))
    elif backend == "docker":
        from simulator.backends.docker.cli import docker_options

        options = docker_options(args)
    else:
        return {}
    options.pop("pool", None)  # the session adds the loaded workflow's pool
    return options


def _first(args: argparse.Namespace, *names: str) -> Any:
    for name in names:
        value = getattr(args, name, None)
        if value is not None:
            return value
    return None


def run(args: argparse.Namespace) -> int:
    options = run_options(args)
    if args.headless or not (sys.stdin.isatty() and sys.stdout.isatty()):
        return run_headless_watching(args, options) if args.watch else _headless(args)
    from osmo_tui.app.app import make_app

    app = make_app(options, speed=_speed(args.speed), paused=args.paused, watch=not args.no_watch)
    app.run()
    return app.return_code or 0


def _headless(args: argparse.Namespace) -> int:
    try:
        from osmo_tui.cli.cmd_simulate import run_headless
    except ImportError as exc:
        raise UsageError("headless runs need the `simulate` command, not installed yet") from exc
    code: int = run_headless(args)
    return code


def run_headless_watching(args: argparse.Namespace, options: Any) -> int:
    """Run headless now and again after every change, printing what changed each time."""
    from osmo_tui.app.session import Session
    from simulator.watch import watch_files

    session = Session(options)
    session.load()
    code = _headless(args)
    count = len(session.dependencies())
    print(f"osmo-tui: watching {count} file(s); Ctrl-C stops", file=sys.stderr, flush=True)
    try:
        for changed in watch_files(session.dependencies):
            names = ", ".join(sorted(p.name for p in changed))
            outcome = session.load()
            summary = outcome.diff.summary() if outcome.ok and outcome.diff else "invalid"
            print(f"osmo-tui: {names} changed: {summary}", file=sys.stderr, flush=True)
            code = _headless(args)
            sys.stdout.flush()
    except KeyboardInterrupt:
        pass
    return code
