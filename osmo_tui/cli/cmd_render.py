"""`osmo-tui render FILE`: the rendered spec as OSMO's `--dry-run` prints it, or each task's pod."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(subparsers: Any) -> None:
    from osmo_tui.cli.cmd_validate import add_spec_options

    parser = subparsers.add_parser(
        "render",
        help="print the rendered spec (OSMO's --dry-run), or the pods of its tasks",
        description="Render the templates of a workflow and print the result as OSMO's "
        "--dry-run does (YAML, keys sorted). Like OSMO, this checks Jinja, YAML and labels only. "
        "With --pods, validate the workflow and print the pod the Kubernetes backend creates "
        "for each task, with the pool's pod templates applied.",
    )
    parser.add_argument("file", metavar="FILE")
    add_spec_options(parser)
    parser.add_argument(
        "--pods", action="store_true", help="print each task's pod (pool pod templates applied)"
    )
    parser.add_argument("--task", metavar="T", default=None, help="with --pods: only task T")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.pods:
        return _pods(args)
    if args.task:
        from simulator.errors import UsageError

        raise UsageError("--task needs --pods")
    from simulator.spec.loader import dry_run

    text = dry_run(
        args.file,
        set_values=args.set_values,
        set_strings=args.set_strings,
        pool_config=args.pool_config,
        pool_name=args.pool,
    )
    sys.stdout.write(text)
    return 0


def _pods(args: argparse.Namespace) -> int:
    import yaml

    from osmo_tui.cli.cmd_validate import load_options
    from simulator.backends.kubernetes.preview import preview_pods
    from simulator.engine.from_spec import plan_from_spec
    from simulator.spec.loader import load_workflow

    loaded = load_workflow(args.file, **load_options(args))
    manifests = preview_pods(plan_from_spec(loaded), loaded.pool, args.task)
    sys.stdout.write(yaml.safe_dump_all(manifests, sort_keys=False))
    return 0
