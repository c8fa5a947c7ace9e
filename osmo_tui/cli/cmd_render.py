"""`osmo-tui render FILE`: the rendered spec exactly as OSMO's `--dry-run` prints it."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(subparsers: Any) -> None:
    from osmo_tui.cli.cmd_validate import add_spec_options

    parser = subparsers.add_parser(
        "render",
        help="print the rendered spec (OSMO's --dry-run)",
        description="Render the templates of a workflow and print the result as OSMO's "
        "--dry-run does (YAML, keys sorted). Like OSMO, this checks Jinja, YAML and labels only.",
    )
    parser.add_argument("file", metavar="FILE")
    add_spec_options(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from simulator.spec.loader import dry_run

    text = dry_run(
        args.file,
        set_values=args.set_values,
        set_strings=args.set_strings,
        pool_config=args.pool_config,
    )
    sys.stdout.write(text)
    return 0
