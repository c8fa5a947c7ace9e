"""Timeouts as OSMO's `fill_defaults` sets them: pool default when omitted or zero, capped at
the max."""

from __future__ import annotations

from simulator.common.diagnostics import SpecWarning
from simulator.common.locate import Locator
from simulator.common.units import parse_duration
from simulator.pool.config import PoolConfig
from simulator.spec.models import TimeoutSpec, WorkflowSpec


def fill_timeouts(spec: WorkflowSpec, pool: PoolConfig, locator: Locator) -> list[SpecWarning]:
    """Fill `spec.timeout` in place; a warning for each value the pool's maximum cut down."""
    timeout = spec.timeout or TimeoutSpec()
    warnings: list[SpecWarning] = []
    limits = (
        ("exec_timeout", pool.default_exec_timeout, pool.max_exec_timeout),
        ("queue_timeout", pool.default_queue_timeout, pool.max_queue_timeout),
    )
    for name, default, maximum in limits:
        value = getattr(timeout, name)
        if value is None or parse_duration(value) == 0:
            value = default  # OSMO's `if not self.exec_timeout`: a zero duration is unset
        if parse_duration(value) > parse_duration(maximum):
            warnings.append(
                SpecWarning(
                    f"{name} {value} is longer than the pool's maximum {maximum}; {maximum} applies",
                    locator.of(("workflow", "timeout", name)),
                )
            )
            value = maximum
        setattr(timeout, name, value)
    spec.timeout = timeout
    return warnings
