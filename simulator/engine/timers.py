"""Timer keys: which deadline of which group a timer is (typed, and a plain string on the wire)."""

from __future__ import annotations

from typing import Literal, NewType, cast, get_args

TimerKind = Literal["queue", "exec", "cancel"]
"""queue_timeout, exec_timeout, and the retry of a cancel that waits for a group to settle."""
TimerKey = NewType("TimerKey", str)
"""`<kind>:<group>`: a string, so events.jsonl and the simulator's heap keep a cheap key."""
_KINDS: frozenset[str] = frozenset(get_args(TimerKind))


def timer_key(kind: TimerKind, group: str) -> TimerKey:
    return TimerKey(f"{kind}:{group}")


def parse_timer_key(key: str) -> tuple[TimerKind, str] | None:
    """(kind, group) of a key; None for a key this engine never arms (e.g. from a foreign log)."""
    kind, sep, group = key.partition(":")
    if not sep or kind not in _KINDS:
        return None
    return cast(TimerKind, kind), group
