"""`osmo-tui gc`: remove what runs left on a backend (a `kill -9`'d run's containers and networks)."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "gc",
        help="remove containers/networks left by runs that were killed",
        description=(
            "Find everything labelled with an osmo-tui run on the backend and remove what belongs "
            "to runs whose process is gone (or, with --all, every run's, even live ones)."
        ),
    )
    parser.add_argument(
        "--backend", choices=("docker", "kubernetes"), default="docker", help="default: docker"
    )
    parser.add_argument("--all", action="store_true", help="also remove the objects of live runs")
    parser.add_argument("--dry-run", "-n", action="store_true", help="list, do not remove")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="instead: clear the store of reusable results under the run store (docs/reuse.md)",
    )
    from simulator.backends.kubernetes.cli import add_kube_options

    add_kube_options(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if getattr(args, "reuse", False):
        return clear_reuse_store(dry_run=args.dry_run)
    kept = _gc_kept_and_sockets(args)
    if args.backend == "kubernetes":
        return max(_run_kubernetes(args), kept)
    return max(_run_docker(args), kept)


def _run_docker(args: argparse.Namespace) -> int:
    from simulator.backends.docker import gc
    from simulator.backends.docker.client import connect

    client = connect(timeout=30)
    try:
        found = gc.find_leftovers(client)
        chosen = [item for item in found if args.all or not item.live or gc.abandoned(item)]
        kept = len({item.run for item in found}) - len({item.run for item in chosen})
        verb = "would remove" if args.dry_run else "removing"
        for item in chosen:
            print(f"{verb} {item.kind} {item.name} (run {item.run})")
        errors = [] if args.dry_run else gc.remove_leftovers(client, chosen)
    finally:
        client.close()
    for line in errors:
        print(f"osmo-tui: {line}", file=sys.stderr)
    runs = len({item.run for item in chosen})
    done = "would remove" if args.dry_run else "removed"
    print(f"{done} {len(chosen)} objects of {runs} runs; {kept} live runs kept")
    return 1 if errors else 0


def _run_kubernetes(args: argparse.Namespace) -> int:
    """Delete the pods, Services, ConfigMaps and Secrets of runs whose process is gone."""
    from simulator.backends.kubernetes import gc_kubernetes

    result = gc_kubernetes(
        kubeconfig=args.kubeconfig,
        kube_context=args.kube_context,
        namespace=args.namespace,
        everything=args.all,
        dry_run=args.dry_run,
    )
    verb = "would remove" if args.dry_run else "removed"
    for run_id in result.removed:
        print(f"{verb} the objects of run {run_id}")
    for line in result.errors:
        print(f"osmo-tui: {line}", file=sys.stderr)
    print(f"{verb} {len(result.removed)} runs; {len(result.kept)} live runs kept")
    return 1 if result.errors else 0


def clear_reuse_store(*, dry_run: bool) -> int:
    """`gc --reuse`: remove every kept result (a cluster volume's copies stay until a run on that
    cluster trims them)."""
    from simulator.reuse import ReuseStore, reuse_root
    from simulator.runs.store import runs_root

    store = ReuseStore(reuse_root(runs_root()))
    if dry_run:
        entries = store.entries()
        size = sum(e.bytes for e in entries)
        print(f"would remove {len(entries)} reusable results ({size} bytes) from {store.root}")
        return 0
    count, size = store.clear()
    print(f"removed {count} reusable results ({size} bytes) from {store.root}")
    return 0


def _gc_kept_and_sockets(args: argparse.Namespace) -> int:
    """Failed tasks kept by `--keep-failed` (of runs no longer live; every one with --all), and
    the short control sockets dead runs left in $TMPDIR/osmo-tui-<uid>/; 1 on an error."""
    from simulator.run.control_socket import stale_short_sockets

    verb = "would remove" if args.dry_run else "removing"
    for path in stale_short_sockets():
        print(f"{verb} stale control socket {path}")
        if not args.dry_run:
            path.unlink(missing_ok=True)
    if args.backend == "kubernetes":
        from simulator.backends.kubernetes.gc import gc_kept_pods

        result = gc_kept_pods(
            kubeconfig=args.kubeconfig,
            kube_context=args.kube_context,
            namespace=args.namespace,
            everything=args.all,
            dry_run=args.dry_run,
        )
        for pod in result.removed:
            print(f"{verb} kept pod {pod}")
        errors = result.errors
    else:
        errors = _gc_kept_docker(args, verb)
    for line in errors:
        print(f"osmo-tui: {line}", file=sys.stderr)
    return 1 if errors else 0


def _gc_kept_docker(args: argparse.Namespace, verb: str) -> list[str]:
    from pathlib import Path

    from simulator.backends.docker.client import connect
    from simulator.backends.docker.keep import find_kept, remove_kept
    from simulator.run.control_client import is_live

    client = connect(timeout=30)
    try:
        found = find_kept(client)
        chosen = [i for i in found if args.all or not (i[2] and is_live(Path(i[2])))]
        for kind, oid, _run_dir in chosen:
            print(f"{verb} kept {kind} {oid.removeprefix('sha256:')[:12]}")
        return [] if args.dry_run else remove_kept(client, chosen)
    finally:
        client.close()
