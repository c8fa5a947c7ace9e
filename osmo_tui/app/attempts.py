"""Every attempt of every task, folded from the event stream (the snapshot keeps only the latest).

The timeline draws each attempt as its own segment: when it was queued, placed (SCHEDULING),
initialized, ran, and how it ended (status and exit code). `AttemptLog.absorb` takes the events
it has not seen yet, so a live run costs O(new events) per repaint; a scrub builds one from the
first N events. The critical path (`critical_path`) is the chain of groups, and in each the task,
that decided when the run ended.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from simulator.engine.events import Event, TaskStatusChanged
from simulator.engine.snapshot import RunSnapshot
from simulator.engine.status import TaskStatus


@dataclass(slots=True)
class Attempt:
    retry: int
    queued: float
    """Its first status event (the attempt exists from here)."""
    scheduling: float | None = None
    initializing: float | None = None
    start: float | None = None
    """When its command first ran (RUNNING)."""
    end: float | None = None
    status: TaskStatus = TaskStatus.WAITING
    exit_code: int | None = None
    message: str = ""
    """The latest message reported about it (e.g. why it failed)."""

    @property
    def finished(self) -> bool:
        return self.end is not None


class AttemptLog:
    """Task -> its attempts in order, from the TaskStatusChanged events absorbed so far."""

    def __init__(self) -> None:
        self.attempts: dict[str, list[Attempt]] = {}
        self.seen = 0
        """How many events of `source` were absorbed."""
        self.version: dict[str, int] = {}
        """Task -> `seen` when its attempts last changed (a view redraws what changed)."""
        self.source: Sequence[Event] | None = None
        self.resets = 0
        """Times it started over (another event list): what was drawn from it is stale."""

    def absorb(self, events: Sequence[Event], upto: int | None = None) -> bool:
        """Take `events[seen:upto]`; a different (or shorter) list starts over. True if any
        attempt changed."""
        end = len(events) if upto is None else min(upto, len(events))
        if events is not self.source or end < self.seen:
            self.attempts, self.seen, self.source, self.version = {}, 0, events, {}
            self.resets += 1
        changed = False
        version, fold = self.version, self._fold
        for i in range(self.seen, end):
            event = events[i]
            if type(event) is TaskStatusChanged:
                fold(event)
                version[event.task] = i + 1
                changed = True
        self.seen = end
        return changed

    def _fold(self, event: TaskStatusChanged) -> None:
        attempts = self.attempts.get(event.task)
        if attempts is None:
            attempts = self.attempts[event.task] = []
        retry = event.retry
        if not attempts or retry > attempts[-1].retry:
            attempt = Attempt(retry, event.time)
            attempts.append(attempt)
        else:
            attempt = attempts[-1]
            if retry < attempt.retry:
                return  # a stale report about an older attempt
        status = attempt.status = event.status
        if event.message:
            attempt.message = event.message
        if status is TaskStatus.RUNNING:
            if attempt.start is None:
                attempt.start = event.time
        elif status is TaskStatus.SCHEDULING:
            if attempt.scheduling is None:
                attempt.scheduling = event.time
        elif status is TaskStatus.INITIALIZING:
            if attempt.initializing is None:
                attempt.initializing = event.time
        elif status.finished:
            attempt.end = event.time
            attempt.exit_code = event.exit_code

    def of(self, task: str) -> list[Attempt]:
        return self.attempts.get(task, [])

    def failed(self) -> set[str]:
        """Tasks whose latest attempt's status is a failure."""
        return {task for task, attempts in self.attempts.items() if attempts[-1].status.failed}


def task_end(snap: RunSnapshot, task: str) -> float | None:
    t = snap.tasks[task]
    if t.end_time is not None:
        return t.end_time
    return snap.time if t.start_time is not None else None


def critical_path(snap: RunSnapshot) -> tuple[list[str], dict[str, str]]:
    """The groups (last first) whose ends decided the run's end, and each one's deciding task.

    From the group that ended last (or is still running latest), step to the upstream group that
    ended last: that one released it. In a group, the task that ended last decides (the lead on a
    tie: the lead ends its group). O(groups + tasks); empty before anything ran."""
    now = snap.time
    best: tuple[float, str] | None = None
    ends: dict[str, float] = {}
    for group_name, g in snap.groups.items():
        if g.start_time is None and g.end_time is None:
            continue
        group_end = g.end_time if g.end_time is not None else now
        ends[group_name] = group_end
        if best is None or group_end > best[0]:
            best = (group_end, group_name)
    if best is None:
        return [], {}
    chain: list[str] = []
    seen: set[str] = set()
    name: str | None = best[1]
    while name is not None and name not in seen:
        chain.append(name)
        seen.add(name)
        ups = [(ends[u], u) for u in snap.groups[name].upstream if u in ends]
        name = max(ups)[1] if ups else None
    deciding: dict[str, str] = {}
    for group in chain:
        g = snap.groups[group]
        pick: tuple[float, bool, str] | None = None
        for t in g.tasks:
            end = task_end(snap, t)
            if end is None:
                continue
            key = (end, t == g.lead, t)
            if pick is None or key[:2] > pick[:2]:
                pick = key
        if pick is not None:
            deciding[group] = pick[2]
    return chain, deciding
