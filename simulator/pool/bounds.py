"""Sane bounds for pool-config values: a clear error naming the field, never a hang or overflow."""

from __future__ import annotations

import math
from typing import Any

from simulator.common.units import parse_duration, parse_quantity, quantity_unit_error

MAX_NODES = 100_000
MAX_CPU = 100_000
MAX_GPUS = 1_024
MAX_TASKS = 1_000_000
MAX_RETRIES = 1_000
MAX_GUARANTEE = 10_000_000
MAX_RENDER_SECONDS = 60.0
MAX_DURATION = 10 * 365 * 86400.0
"""Ten years: longer timeouts are typing mistakes."""
MAX_QUANTITY = 2**60
"""One exbibyte per node."""


def duration(field: str, value: Any) -> str:
    """A duration with a unit (`30m`, `7d`, `PT1H`), positive and at most ten years."""
    if isinstance(value, bool | int | float):  # bool too: YAML `yes` is no duration
        raise ValueError(
            f"{field}: a duration needs a unit (e.g. 30m, 2h, 7d), not the bare number {value!r}"
        )
    try:
        seconds = parse_duration(value)
    except ValueError as exc:
        raise ValueError(f"{field}: {exc}") from None
    if not math.isfinite(seconds) or seconds > MAX_DURATION:
        raise ValueError(f"{field}: {value} is longer than ten years")
    return str(value)


def quantity(field: str, value: Any) -> str:
    """A memory/storage quantity (`64Gi`) of at most one exbibyte."""
    text = str(value)
    if quantity_unit_error("memory", text):
        raise ValueError(f"{field}: invalid quantity {value!r}")
    try:
        size = parse_quantity(text)
    except ValueError:  # beyond 2^63 bytes: past any bound, so past ours
        size = MAX_QUANTITY + 1
    if size > MAX_QUANTITY:
        raise ValueError(f"{field}: {value} is more than one exbibyte")
    return text
