"""`LiveRun`: the real-time driver over a Docker or Kubernetes backend, as a `Run`."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from simulator.backends.docker.options import DockerOptions
from simulator.engine.events import Event, RunFinished
from simulator.engine.port import Target
from simulator.engine.realtime import RealtimeRun
from simulator.run.runs import Cancel, Observer, Run

if TYPE_CHECKING:
    from simulator.backends.kubernetes.options import KubeOptions
    from simulator.engine.port import Backend
    from simulator.reuse import ReuseSession
    from simulator.run.prepare import PreparedRun


class LiveRun(Run):
    """Moves by itself in real time once `run` is awaited; a cancel is reported through `run`."""

    stepped = False

    def __init__(self, realtime: RealtimeRun) -> None:
        self.realtime = realtime
        self.backend = realtime.backend_name
        self.can_cancel_task = realtime.backend.capabilities.cancel_task
        self._done = False

    @property
    def finished(self) -> bool:
        return self._done

    def capabilities(self) -> tuple[str, tuple[str, ...]]:
        caps = self.realtime.backend.capabilities  # a backend refines them once it has looked
        return caps.summary(), caps.notes

    async def run(self, observer: Observer) -> None:
        def forward(event: Event) -> None:
            observer([event])
            if isinstance(event, RunFinished):
                self._done = True

        try:
            await self.realtime.run(forward)
        finally:
            self._done = True

    def cancel(self, request: Cancel) -> list[Event]:
        # Real time: the cancel happens when asked for (`at` is for stepped players).
        self.realtime.cancel(request.scope, request.name, request.message, request.force)
        return []

    def locate(self, task: str, retry: int) -> Target | None:
        return self.realtime.backend.locate(task, retry)

    async def close(self) -> None:
        await asyncio.shield(self.realtime.close())


def live_run(
    prepared: PreparedRun, options: DockerOptions | KubeOptions, *, fresh: tuple[str, ...] = ()
) -> LiveRun:
    """The real-time driver over the backend `options` name, with the prepared pool/scenario."""
    backend: Backend
    if isinstance(options, DockerOptions):
        from simulator.backends.docker.backend import DockerBackend

        backend = DockerBackend(options, pool=prepared.pool)
    else:
        from simulator.backends.kubernetes.backend import KubernetesBackend

        backend = KubernetesBackend(options, pool=prepared.pool, scenario=prepared.scenario)
    realtime = RealtimeRun(prepared.plan, backend)
    realtime.reuser = _reuser(prepared, realtime, fresh)
    return LiveRun(realtime)


def _reuser(
    prepared: PreparedRun, realtime: RealtimeRun, fresh: tuple[str, ...]
) -> ReuseSession | None:
    """The reuse of finished groups, when asked for and the run is recorded (its id names the
    run that produced a kept result)."""
    request = prepared.request
    if not (request.reuse and request.record):
        return None
    from simulator.reuse import ReuseSession, ReuseStore, reuse_root
    from simulator.reuse.session import downstream_closure
    from simulator.runs.store import runs_root

    store = ReuseStore(reuse_root(runs_root()))
    support = realtime.backend.reuse_support(store.root)
    if support is None:
        return None

    def run_id() -> str:
        return realtime.run_dir.name if realtime.run_dir is not None else ""

    groups = downstream_closure(prepared.plan, fresh)
    return ReuseSession(prepared.plan, store, support, run_id, fresh=groups)
