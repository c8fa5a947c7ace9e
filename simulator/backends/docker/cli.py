"""Command-line options of `--backend docker` (read by `run` and `simulate` on every start)."""

from __future__ import annotations

import argparse

from simulator.backends.docker.options import PULL_POLICIES, DockerOptions
from simulator.errors import UsageError


def add_docker_options(parser: argparse.ArgumentParser) -> None:
    """--pull-policy, --gpu-inventory, --shm-size, --grace-period (only `--backend docker`)."""
    group = parser.add_argument_group("docker backend")
    group.add_argument(
        "--pull-policy",
        choices=PULL_POLICIES,
        default="missing",
        help="when to pull a task's image (default: missing)",
    )
    group.add_argument(
        "--gpu-inventory",
        metavar="IDS",
        help="GPU device IDs to hand out, e.g. 0,1,2,3 (given to containers as "
        "NVIDIA_VISIBLE_DEVICES only; default: the host's GPUs from nvidia-smi, or "
        "$OSMO_TUI_GPU_INVENTORY)",
    )
    group.add_argument(
        "--shm-size",
        metavar="SIZE",
        help="/dev/shm per container, e.g. 2Gi (default 1Gi, at most half the memory limit)",
    )
    group.add_argument(
        "--grace-period",
        type=seconds,
        default=5.0,
        metavar="S",
        help="time between SIGTERM and SIGKILL when a task is stopped: seconds or an OSMO "
        "duration such as 30s or 2m (default 5)",
    )


def seconds(text: str) -> float:
    """`--grace-period 20`, `20s`, `2m` or `PT20S`: as OSMO writes a duration, or bare seconds."""
    from simulator.common.units import parse_duration

    try:
        return float(text)
    except ValueError:
        pass
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def docker_options(args: argparse.Namespace) -> DockerOptions:
    """The typed options from parsed flags (a bad value is a usage error, exit 2)."""
    shm = getattr(args, "shm_size", None)
    shm_bytes = None
    if shm:
        from simulator.common.units import parse_quantity

        try:
            shm_bytes = parse_quantity(shm)
        except ValueError as exc:
            raise UsageError(f"--shm-size {shm!r}: {exc}") from None
    grace = getattr(args, "grace_period", 5.0)
    if grace is None or not 0 <= grace <= 3600:
        raise UsageError("--grace-period must be between 0 and 3600 seconds")
    return DockerOptions(
        pull_policy=getattr(args, "pull_policy", None) or "missing",
        gpus=getattr(args, "gpu_inventory", None),
        shm_size=shm_bytes,
        grace_period=grace,
    )
