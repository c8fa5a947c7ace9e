"""What the engine asks a driver to do: frozen dataclasses, matched exhaustively by drivers.

The engine never performs IO; it returns these and a driver (the simulator's event loop or the
asyncio real-time runner) turns them into backend calls and timers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True, slots=True)
class CreateGroup:
    """Create every task of the group at once as one gang (OSMO's CreateGroup job)."""

    group: str
    kind: ClassVar[str] = "create_group"


@dataclass(frozen=True, slots=True)
class CreateAttempt:
    """Create attempt `retry` of a task (reschedule): same name and hostname, inputs again."""

    task: str
    retry: int
    kind: ClassVar[str] = "create_attempt"


@dataclass(frozen=True, slots=True)
class ReleaseBarrier:
    """The barrier opened for this attempt: start its user command now."""

    task: str
    retry: int
    kind: ClassVar[str] = "release_barrier"


@dataclass(frozen=True, slots=True)
class KillTask:
    """Stop the attempt (pod deleted); it will not report again, outputs are not uploaded."""

    task: str
    retry: int
    reason: str = ""
    kind: ClassVar[str] = "kill_task"


@dataclass(frozen=True, slots=True)
class RestartTask:
    """Kill the attempt's user command and wait at the barrier again (report TaskReady again)."""

    task: str
    retry: int
    kind: ClassVar[str] = "restart_task"


@dataclass(frozen=True, slots=True)
class ArmTimer:
    """Deliver `TimerFired(key)` at run time `at` (seconds since the run started)."""

    key: str
    at: float
    kind: ClassVar[str] = "arm_timer"


@dataclass(frozen=True, slots=True)
class CancelTimer:
    """The timer `key` is no longer needed (firing it anyway is harmless: the engine ignores it)."""

    key: str
    kind: ClassVar[str] = "cancel_timer"


@dataclass(frozen=True, slots=True)
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
