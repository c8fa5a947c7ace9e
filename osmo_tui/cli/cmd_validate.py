"""`osmo-tui validate FILE`: check a workflow exactly as OSMO would, errors as `FILE:LINE:COL: message`."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def add_spec_options(parser: argparse.ArgumentParser) -> None:
    """`--set`, `--set-string`, `--set-env` (one or more K=V per flag, like OSMO),
    `--pool-config`, `--pool`, `--label` and `--priority`."""
    parser.add_argument(
        "--set",
        dest="set_values",
        nargs="+",
        action="extend",
        default=[],
        metavar="K=V",
        help="template variable (typed: int, then float, then string)",
    )
    parser.add_argument(
        "--set-string",
        dest="set_strings",
        nargs="+",
        action="extend",
        default=[],
        metavar="K=V",
        help="template variable kept as text (applied after --set)",
    )
    parser.add_argument(
        "--pool-config",
        metavar="P",
        default=None,
        help="pool-config YAML (default: $OSMO_TUI_POOL_CONFIG, ./osmo-pool.yaml, "
        "~/.config/osmo-tui/pool.yaml)",
    )
    parser.add_argument(
        "-p",
        "--pool",
        metavar="NAME",
        default=None,
        help="pool of the pool config to use, as `osmo workflow submit --pool` (an OSMO "
        "configuration may hold several)",
    )
    parser.add_argument(
        "--label",
        dest="labels",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="workflow label, over the spec's (repeatable, like `osmo workflow submit --label`)",
    )
    parser.add_argument(
        "--set-env",
        dest="set_env",
        nargs="+",
        action="extend",
        default=[],
        metavar="K=V",
        help="environment variable set in every task, over the spec's (like `osmo workflow submit "
        "--set-env`)",
    )
    parser.add_argument(
        "--priority",
        default="NORMAL",
        metavar="P",
        help="HIGH, NORMAL (default) or LOW: NORMAL/HIGH groups must fit the pool's GPU guarantee",
    )


def submission(args: argparse.Namespace) -> Any:
    """The `Submission` of `--label`/`--priority`/`--set-env` (defaults for commands without)."""
    from simulator.spec.submission import Submission, parse_priority

    labels = tuple(getattr(args, "labels", None) or ())
    env = tuple(getattr(args, "set_env", None) or ())
    priority = parse_priority(getattr(args, "priority", "NORMAL"))
    pool = getattr(args, "pool", None)
    return Submission(labels=labels, priority=priority, pool=pool, env=env)


def load_options(args: argparse.Namespace) -> dict[str, Any]:
    """`load_workflow`'s keyword arguments from the flags of `add_spec_options`."""
    return {
        "set_values": getattr(args, "set_values", None) or (),
        "set_strings": getattr(args, "set_strings", None) or (),
        "pool_config": getattr(args, "pool_config", None),
        "submission": submission(args),
    }


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="validate a workflow as OSMO does",
        description="Validate a workflow as OSMO does. Exit 0 when valid (warnings on stderr), "
        "1 when invalid (FILE:LINE:COL: message on stderr), 2 on usage errors.",
    )
    parser.add_argument("file", metavar="FILE")
    add_spec_options(parser)
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.set_defaults(func=run)


def _entry(item: Any) -> dict[str, Any]:
    loc = item.location
    return {
        "message": item.message,
        "file": loc.path if loc else None,
        "line": loc.line if loc else None,
        "column": loc.column if loc else None,
        "rendered": bool(loc and loc.rendered),
    }


def _rendered_line(error: Any, rendered: list[str]) -> str:
    """For a position that only exists in the rendered spec, show that rendered line."""
    loc = error.location
    if not (loc and loc.rendered and loc.line and loc.line <= len(rendered)):
        return ""
    return f" [rendered line {loc.line}: {rendered[loc.line - 1].strip()}]"


def run(args: argparse.Namespace) -> int:
    from simulator.engine.gcpause import gc_paused
    from simulator.errors import SpecErrors
    from simulator.inputs import printable

    try:
        # Loading builds long-lived objects (pydantic's models, the spec): ~50 young
        # collections would rescan them, ~7% of a small file's start-up.
        with gc_paused():
            from simulator.spec.loader import load_workflow

            loaded = load_workflow(args.file, **load_options(args))
    except SpecErrors as exc:
        if args.format == "json":
            import json

            errors = [_entry(e) for e in exc.errors]
            print(json.dumps({"valid": False, "errors": errors, "warnings": []}, indent=2))
        else:
            rendered = getattr(exc, "rendered", "").splitlines()
            for error in exc.errors:
                line = error.render() + _rendered_line(error, rendered)
                print(printable(line), file=sys.stderr)
        return 1
    if args.format == "json":
        import json

        warnings = [_entry(w) for w in loaded.warnings]
        print(json.dumps({"valid": True, "errors": [], "warnings": warnings}, indent=2))
    else:
        for warning in loaded.warnings:
            where = f"{warning.location}: " if warning.location else ""
            print(printable(f"{where}warning: {warning.message}"), file=sys.stderr)
        print("Workflow validation succeeded.")  # stdout, as OSMO's CLI prints it
    return 0
