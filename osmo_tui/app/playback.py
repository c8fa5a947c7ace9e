"""Playback state for stepped runs: speed, pause, single steps and scrubbing, as plain data.

Kept out of the screen so the pacing rules can be read (and tested) on their own: virtual time
maps to wall time by `speed`, re-anchored whenever speed or pause changes.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Sequence

from simulator.engine.events import Event

SPEEDS: tuple[float, ...] = (1.0, 10.0, 100.0, math.inf)


def speed_label(speed: float) -> str:
    return "instant" if math.isinf(speed) else f"{speed:g}x"


class Playback:
    """What the run worker consults before each step."""

    def __init__(self, speed: float = 10.0, paused: bool = False) -> None:
        self.speed = speed
        self.paused = paused
        self.steps_requested = 0
        self.anchor_wall = 0.0
        self.anchor_virtual = 0.0

    def anchor(self, wall: float, virtual: float) -> None:
        self.anchor_wall, self.anchor_virtual = wall, virtual

    def due_in(self, next_time: float, wall: float) -> float:
        """Wall seconds until the event at virtual `next_time` is due (<= 0: now)."""
        if self.steps_requested or math.isinf(self.speed):
            return 0.0
        return self.anchor_wall + (next_time - self.anchor_virtual) / self.speed - wall

    def position(self, wall: float, now: float, next_time: float | None) -> float:
        """The virtual time shown now: frozen while paused, moving with the wall clock between
        events while playing (never past the next event, never behind the last one)."""
        if self.paused:
            return max(now, self.anchor_virtual)
        if math.isinf(self.speed):
            return now
        ahead = self.anchor_virtual + (wall - self.anchor_wall) * self.speed
        if next_time is not None:
            ahead = min(ahead, next_time)
        return max(now, ahead)

    def retime(self, wall: float, now: float, next_time: float | None) -> None:
        """Re-anchor at the current position: call before changing speed or pause."""
        self.anchor(wall, self.position(wall, now, next_time))

    def change_speed(self, delta: int) -> float:
        index = SPEEDS.index(self.speed) if self.speed in SPEEDS else 1
        self.speed = SPEEDS[max(0, min(len(SPEEDS) - 1, index + delta))]
        return self.speed

    @property
    def may_step(self) -> bool:
        return not self.paused or self.steps_requested > 0

    def stepped(self) -> None:
        if self.steps_requested:
            self.steps_requested -= 1

    def label(self, finished: bool, scrub: int | None, total: int) -> str:
        if scrub is not None:
            return f"[scrub {scrub}/{total} events]"
        if finished:
            return "[finished]"
        if self.paused:
            return f"[paused · {speed_label(self.speed)}]"
        return f"[▶ {speed_label(self.speed)}]"


def scrub_index(events: Sequence[Event], current: int, direction: int) -> int:
    """Move a scrub position (a count of events folded) to the previous or next time point."""
    times = [e.time for e in events]
    if not times:
        return 0
    if direction < 0:
        if current <= 0:
            return 0
        return bisect_left(times, times[current - 1])  # before the last folded time point
    if current >= len(times):
        return len(times)
    return bisect_right(times, times[current])
