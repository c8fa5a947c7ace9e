"""Bounds on the Jinja operators that can run for minutes in one step, which no signal
interrupts (`3**(3**17)`, `'a' * 10**10`): refused before they run with the error OSMO's
sandbox would give for the time or memory they would take."""

from __future__ import annotations

from typing import Any

MAX_INT_BITS = 1_000_000
"""Integer results of `*` and `**` beyond this (300,000 digits) are refused as over time:
Python computes one such product in a single step that no timer interrupts."""


class _TooLong(TimeoutError):
    """An operation refused because it would run past the time limit in one step."""


def bounded_environment(max_time: float, max_memory: int) -> Any:
    """OSMO's sandboxed environment, with `*` and `**` checked before they compute."""
    import jinja2
    import jinja2.sandbox

    class Bounded(jinja2.sandbox.SandboxedEnvironment):
        intercepted_binops = frozenset({"*", "**"})

        def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
            _check_binop(operator, left, right, max_time, max_memory)
            return super().call_binop(context, operator, left, right)

    return Bounded(undefined=jinja2.StrictUndefined)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_binop(operator: str, left: Any, right: Any, max_time: float, max_memory: int) -> None:
    """Raise OSMO's time or memory error for a product or power too big to compute in time."""
    if _is_int(left) and _is_int(right):
        if operator == "**" and abs(left) > 1 and right > 0:
            bits = abs(left).bit_length() * right
        else:
            bits = abs(left).bit_length() + abs(right).bit_length() if operator == "*" else 0
        if bits > MAX_INT_BITS:
            raise _TooLong(f"Process exceeded time limit of {max_time} seconds")
        return
    if operator == "*":
        sequence, count = (left, right) if _is_int(right) else (right, left)
        if isinstance(sequence, str | bytes | list | tuple) and _is_int(count):
            item = 1 if isinstance(sequence, str | bytes) else 8  # bytes per item, at least
            if len(sequence) * max(count, 0) * item > max_memory:
                raise MemoryError
