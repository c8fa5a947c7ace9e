"""`osmo-tui workflow submit FILE [run options]`: a detached headless run; prints its workflow id.

The spec is loaded and checked here first (an invalid one is refused, as OSMO's service does),
the run store's next `<name>-N` is claimed, then `osmo-tui run FILE --headless` starts in its
own session with that id (its output: `<run dir>/submit.log`). Submit returns once the run
is recorded, so `query` works at once.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

STARTUP_SECONDS = 60.0
"""How long the child may take to load, start its backend and record the run."""


def register_submit(sub: Any) -> None:
    parser = sub.add_parser(
        "submit",
        help="start a detached headless run and print its workflow id",
        description="Every option of `osmo-tui run` is accepted (--set, --set-string, "
        "--set-env, --pool, --pool-config, --label, --priority, --backend, --scenario, ...).",
    )
    parser.add_argument(
        "--format-type", "-t", dest="format_type", choices=("json", "text"), default="text"
    )
    parser.add_argument("workflow_file", metavar="FILE", help="the workflow file")
    parser.add_argument("run_options", nargs=argparse.REMAINDER, help="options of `osmo-tui run`")
    parser.set_defaults(func=submit)


def _split_format(options: list[str], fmt: str) -> tuple[list[str], str]:
    """`--format-type/-t X` (also after FILE) is submit's own; everything else goes to `run`."""
    rest, i = [], 0
    while i < len(options):
        if options[i] in ("--format-type", "-t") and i + 1 < len(options):
            fmt, i = options[i + 1], i + 2
            continue
        rest.append(options[i])
        i += 1
    if fmt not in ("json", "text"):
        from simulator.errors import UsageError

        raise UsageError(f"--format-type must be json or text, not {fmt!r}")
    return rest, fmt


def submit(args: argparse.Namespace) -> int:
    from osmo_tui.cli.main import build_parser
    from osmo_tui.cli.request import run_request
    from simulator.run import PrepareError, prepare
    from simulator.runs import RunStore

    options, fmt = _split_format(list(args.run_options), args.format_type)
    argv = ["run", args.workflow_file, "--headless", *options]
    try:
        run_args = build_parser("run").parse_args(argv)
    except SystemExit as exc:  # argparse said why
        return exc.code if isinstance(exc.code, int) else 2
    if getattr(run_args, "no_record", False):
        from simulator.errors import UsageError

        raise UsageError("a submitted run is always recorded: drop --no-record")
    request = run_request(run_args)
    try:
        prepared = prepare(request)
    except PrepareError as exc:
        for line in exc.lines():
            print(f"osmo-tui: {line}", file=sys.stderr)
        return 2
    store = RunStore()
    workflow_id = request.workflow_id or store.claim_workflow_id(prepared.plan.workflow)
    run_dir = _spawn(store, [*argv, "--workflow-id", workflow_id], workflow_id)
    _print_result(workflow_id, run_dir, fmt)
    return 0


def _spawn(store: Any, argv: list[str], workflow_id: str) -> Path:
    """Start the headless run detached; wait until its run directory exists (or it failed)."""
    root = store.root.resolve()
    out_path = root / f".{workflow_id}.out"
    env = {**os.environ, "OSMO_TUI_RUNS_DIR": str(root)}
    with out_path.open("ab") as out:
        child = subprocess.Popen(
            [sys.executable, "-m", "osmo_tui.cli.main", *argv],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,  # the run outlives this command and its terminal
        )
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        run_dir = _recorded(store, workflow_id)
        if run_dir is not None:
            _move_output(out_path, run_dir)
            return run_dir
        if child.poll() is not None:
            break
        time.sleep(0.05)
    return _failed(out_path, workflow_id)


def _move_output(out_path: Path, run_dir: Path) -> None:
    """The child's output joins its run (`submit.log`); it keeps writing to the same file."""
    try:
        os.link(out_path, run_dir / "submit.log")
        out_path.unlink()
    except OSError:  # another file system, or no hard links: it stays where it is
        pass


def _recorded(store: Any, workflow_id: str) -> Path | None:
    from simulator.run.control import socket_address

    for info in reversed(store.list()):
        if info.workflow_id == workflow_id:
            live = socket_address(info.path) is not None or info.status != "RUNNING"
            return info.path if live else None
    return None


def _failed(out_path: Path, workflow_id: str) -> Path:
    from simulator.errors import OsmoTuiError

    lines = [ln for ln in out_path.read_text(errors="replace").splitlines() if ln.strip()]
    why = lines[-1] if lines else "no output"
    raise OsmoTuiError(f"Workflow {workflow_id} did not start: {why} (see {out_path})")


def _print_result(workflow_id: str, run_dir: Path, fmt: str) -> None:
    if fmt == "json":
        print(json.dumps({"name": workflow_id, "overview": str(run_dir)}, indent=2))
        return
    print("Workflow submit successful.")
    print(f"Workflow ID        - {workflow_id}")
    print(f"Workflow Overview  - {run_dir}")
