"""Parsed flags -> `RunRequest`: the only place the CLI turns its options into a run."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from simulator.run.request import BackendOptions, RunRequest, SimOptions, SpecOptions


def spec_options(args: argparse.Namespace) -> SpecOptions:
    """`--set`, `--set-string`, `--pool-config`, `--label`, `--priority` (as `validate` reads them)."""
    from osmo_tui.cli.cmd_validate import load_options

    options = load_options(args)
    pool_config = options.pop("pool_config")
    return SpecOptions(
        set_values=tuple(options.pop("set_values")),
        set_strings=tuple(options.pop("set_strings")),
        pool_config=Path(pool_config) if pool_config else None,
        **options,
    )


def backend_options(args: argparse.Namespace) -> BackendOptions:
    """The chosen backend's typed options, from its own flags (and `--keep-failed`)."""
    name = getattr(args, "backend", None) or "sim"
    keep_failed = bool(getattr(args, "keep_failed", False))
    if name == "docker":
        from simulator.backends.docker.cli import docker_options

        return replace(docker_options(args), keep_failed=keep_failed)
    if name == "kubernetes":
        from simulator.backends.kubernetes.cli import kube_options

        return replace(kube_options(args), keep_failed=keep_failed)
    if keep_failed:
        from simulator.errors import UsageError

        raise UsageError("--keep-failed needs --backend docker or kubernetes (no containers here)")
    return SimOptions()


def reuse_wanted(args: argparse.Namespace, default: bool) -> bool:
    """`--reuse` / `--no-reuse` over the surface's default (on in the app and with --watch)."""
    if getattr(args, "no_reuse", False):
        return False
    return bool(getattr(args, "reuse", False)) or default


def run_request(args: argparse.Namespace, *, reuse: bool = False) -> RunRequest:
    """The run `simulate`, `run` (app or headless) and `run --watch` are asked for; `reuse`
    is the surface's default for reusing finished groups."""
    scenario = getattr(args, "scenario", None)
    return RunRequest(
        path=Path(args.file),
        spec=spec_options(args),
        scenario=Path(scenario) if scenario else None,
        seed=getattr(args, "seed", None),
        workflow_id=getattr(args, "workflow_id", None),
        backend=backend_options(args),
        record=not getattr(args, "no_record", False),
        reuse=reuse_wanted(args, reuse),
    )
