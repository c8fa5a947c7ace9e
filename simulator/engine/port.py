"""The contract every real-time backend implements, and its capabilities as data.

The engine decides *what* happens (OSMO's semantics); a backend only knows *how* to create the
tasks of a group together, start a command once the barrier opens, kill or restart an attempt and
clean up. It reports what it observes by calling `emit` with `simulator.engine.events` reports.
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from simulator.engine.events import BackendReport, Event, RunWarning
from simulator.engine.plan import GroupPlan, Plan

Emit = Callable[[BackendReport | RunWarning], None]
"""Report an observation; safe to call from the event loop's thread only."""


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a backend can honour, as data: the app shows it (header and its tooltip) and the
    run pipeline reads `cancel_task`; nothing guesses."""

    name: str
    arches: frozenset[str] = frozenset({"amd64"})
    """Architectures it can run natively."""
    emulated_arches: frozenset[str] = frozenset()
    """Architectures it can run through emulation (qemu/binfmt)."""
    gpus: int = 0
    storage_limits: bool = False
    """Whether a task's `storage` request is enforced."""
    cancel_task: bool = True
    notes: tuple[str, ...] = field(default=())

    def summary(self) -> str:
        """One line, e.g. `amd64, arm64 (emulated) · 2 GPUs · no storage limits`."""
        arches = sorted(self.arches) + [f"{a} (emulated)" for a in sorted(self.emulated_arches)]
        parts = [", ".join(arches), f"{self.gpus} GPU{'s' if self.gpus != 1 else ''}"]
        if not self.storage_limits:
            parts.append("no storage limits")
        return " · ".join(parts)


@dataclass(frozen=True, slots=True)
class Target:
    """Where a task attempt's process lives, for `workflow exec|port-forward` (and the app's `s`):
    enough for a client to talk to Docker or Kubernetes directly."""

    backend: str
    """docker or kubernetes."""
    name: str
    """The container id (Docker) or the pod name (Kubernetes)."""
    running: bool
    """The task's command runs in it now (False: a kept failed task, or not started yet)."""
    kept: bool = False
    """A failed task kept for inspection (`--keep-failed`)."""
    container: str = ""
    """Kubernetes: the container in the pod."""
    namespace: str = ""
    kubeconfig: str = ""
    context: str = ""
    base_url: str = ""
    """Docker: the engine's address ("" = DOCKER_HOST or the local socket)."""

    def to_json(self) -> dict[str, str | bool]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Target:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})  # type: ignore[arg-type]


class Backend(abc.ABC):
    """One run's adapter to a place where tasks execute."""

    capabilities: Capabilities

    @abc.abstractmethod
    async def prepare(self, plan: Plan, run_dir: Path, emit: Emit) -> None:
        """Check the host/cluster can run `plan` (raise `BackendError`), remember `emit`."""

    @abc.abstractmethod
    async def start_group(self, group: GroupPlan, retries: dict[str, int]) -> None:
        """Create every task of the group together (gang); report Scheduling/Initializing/Ready."""

    @abc.abstractmethod
    async def start_attempt(self, task: str, retry: int) -> None:
        """Create a new attempt of one task (reschedule), same name and hostname."""

    @abc.abstractmethod
    async def release(self, task: str, retry: int) -> None:
        """The barrier opened: start the user command (report Running, then Exited)."""

    @abc.abstractmethod
    async def kill(self, task: str, retry: int, reason: str) -> None:
        """Stop the attempt (SIGTERM, then SIGKILL after the grace period); no outputs kept."""

    @abc.abstractmethod
    async def restart(self, task: str, retry: int) -> None:
        """Kill the user command and run it again in place once the barrier opens again."""

    @abc.abstractmethod
    async def cleanup_group(self, group: str) -> None:
        """Remove what the group left (containers/pods, services, secrets)."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Remove everything this run created; idempotent; called on every exit path."""

    def reuse_support(self, store: Path) -> ReuseSupport | None:
        """What this backend offers the reuse of finished groups kept under `store` (the reuse
        store's root, `simulator.common.digests.ReuseLayout`); None: never reused."""
        return None

    def locate(self, task: str, retry: int) -> Target | None:
        """Where the attempt's process is (None: it has none, or none yet)."""
        return None


class ReuseSupport(abc.ABC):
    """A backend's side of reusing finished groups (docs/reuse.md): what it would run beyond
    the spec, the content of a task's inputs, and copying outputs to and from the reuse store.
    Every method answers None/False when it cannot tell: the group then runs (a miss)."""

    @property
    @abc.abstractmethod
    def place(self) -> str:
        """Where this backend keeps outputs, e.g. `local` or `pvc:<namespace>/<claim>`: an
        entry is only reusable where its outputs are (known once the backend is prepared)."""

    @abc.abstractmethod
    async def task_identity(self, task: str) -> dict[str, Any] | None:
        """What runs beyond the rendered spec: the image's local ID or digest, the
        architecture, host mounts; None when the image cannot be identified."""

    @abc.abstractmethod
    async def input_digests(self, task: str) -> list[str] | None:
        """A content hash per input, in order (an upstream task's output in this run, a `url:`
        object); None when one cannot be read or hashed."""

    @abc.abstractmethod
    async def export_outputs(self, task: str, key: str) -> int | None:
        """Copy this run's output of `task` into the reuse store's entry `key`; its bytes, or
        None when that failed."""

    @abc.abstractmethod
    async def import_outputs(self, task: str, key: str) -> bool:
        """Put entry `key`'s copy of `task`'s output in place as this run's output of `task`
        (and upload it to the task's `url:` outputs, as its run did)."""

    @abc.abstractmethod
    async def drop(self, key: str) -> None:
        """Remove entry `key`'s outputs from where this backend keeps them."""


@dataclass(frozen=True, slots=True)
class ReuseHit:
    """A group restored from run `source`; `logs` are its tasks' recorded lines, in order:
    (task, stream, line)."""

    source: str
    logs: tuple[tuple[str, str, str], ...] = ()


class Reuser(abc.ABC):
    """The real-time driver's view of the reuse of finished groups (`simulator.reuse`)."""

    @abc.abstractmethod
    async def lookup(self, group: GroupPlan) -> ReuseHit | None:
        """The group is about to be created: a hit has its outputs restored already."""

    @abc.abstractmethod
    def observe(self, event: Event) -> None:
        """Every event of the run, in order (the logs and results to keep)."""

    @abc.abstractmethod
    async def finish(self) -> list[str]:
        """The run ended (any way): keep what completed; warnings to report."""
