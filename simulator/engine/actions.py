"""What the engine asks a driver to do: small dataclasses, matched exhaustively by drivers.

The engine never performs IO; it returns these and a driver (the simulator's event loop or the
asyncio real-time runner) turns them into backend calls and timers. They are treated as values
(hashable, never mutated) but not declared frozen: a frozen dataclass is 2.5x slower to create
and the engine creates several per task.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from simulator.engine.timers import TimerKey


@dataclass(slots=True, unsafe_hash=True)
class CreateGroup:
    """Create every task of the group at once as one gang (OSMO's CreateGroup job)."""

    group: str
    kind: ClassVar[str] = "create_group"


@dataclass(slots=True, unsafe_hash=True)
class CreateAttempt:
    """Create attempt `retry` of a task (reschedule): same name and hostname, inputs again."""

    task: str
    retry: int
    kind: ClassVar[str] = "create_attempt"


@dataclass(slots=True, unsafe_hash=True)
class ReleaseBarrier:
    """The barrier opened for this attempt: start its user command now."""

    task: str
    retry: int
    kind: ClassVar[str] = "release_barrier"


@dataclass(slots=True, unsafe_hash=True)
class KillTask:
    """Stop the attempt (pod deleted); it will not report again, outputs are not uploaded."""

    task: str
    retry: int
    reason: str = ""
    kind: ClassVar[str] = "kill_task"


@dataclass(slots=True, unsafe_hash=True)
class RestartTask:
    """Kill the attempt's user command and wait at the barrier again (report TaskReady again)."""

    task: str
    retry: int
    kind: ClassVar[str] = "restart_task"


@dataclass(slots=True, unsafe_hash=True)
class ArmTimer:
    """Deliver `TimerFired(key)` at run time `at` (seconds since the run started)."""

    key: TimerKey
    at: float
    kind: ClassVar[str] = "arm_timer"


@dataclass(slots=True, unsafe_hash=True)
class CancelTimer:
    """The timer `key` is no longer needed (firing it anyway is harmless: the engine ignores it)."""

    key: TimerKey
    kind: ClassVar[str] = "cancel_timer"


@dataclass(slots=True, unsafe_hash=True)
class CleanupGroup:
    """Delete what the group left behind (pods, service, secrets)."""

    group: str
    kind: ClassVar[str] = "cleanup_group"


Action = (
    CreateGroup
    | CreateAttempt
    | ReleaseBarrier
    | KillTask
    | RestartTask
    | ArmTimer
    | CancelTimer
    | CleanupGroup
)
