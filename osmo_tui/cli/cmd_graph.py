"""`osmo-tui graph FILE`: the group DAG with tasks (lead marked), platform and GPUs per task."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    from osmo_tui.cli.cmd_validate import add_spec_options

    parser = subparsers.add_parser(
        "graph",
        help="show the group DAG of a workflow",
        description="Show groups, their tasks (lead marked with *), dependency edges, and "
        "platform/arch/GPUs per task.",
    )
    parser.add_argument("file", metavar="FILE")
    add_spec_options(parser)
    parser.add_argument("--format", choices=("text", "mermaid", "dot", "json"), default="text")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from osmo_tui.cli.cmd_validate import load_options
    from simulator.spec.graph import render_graph
    from simulator.spec.loader import load_workflow

    loaded = load_workflow(args.file, **load_options(args))
    print(render_graph(loaded.spec, loaded.pool, args.format))
    return 0
