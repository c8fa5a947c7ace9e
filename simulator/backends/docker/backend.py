"""`--backend docker`: every task attempt is a container on the local Docker engine.

The engine decides; this adapter places groups (architecture via qemu, GPUs from the inventory),
creates their containers together, holds each command at the barrier until `release`, streams
output as TaskLog events, and reports exits and failures in OSMO's terms (image pull 302,
OOM 3004, lost engine 3001). Everything it creates carries the run's labels and is removed by
`close()` (or by `osmo-tui gc` after a `kill -9`).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

from simulator.backends.docker import data, gc, images, keep, wrapper
from simulator.backends.docker import labels as L
from simulator.backends.docker.attempt import (
    Attempt,
    Outcome,
    engine_failure,
    open_stream,
    watch,
)
from simulator.backends.docker.gpus import GpuInventory
from simulator.backends.docker.options import DockerOptions
from simulator.backends.docker.placement import Placement, place_task
from simulator.backends.docker.prepare import AttemptBuilder, Runtime
from simulator.backends.kept import record as kept_record
from simulator.credentials import Injection, Masker, load_for_run, resolve
from simulator.engine.events import (
    BackendReport,
    RunWarning,
    TaskExited,
    TaskFailed,
    TaskInitializing,
    TaskLog,
    TaskReady,
    TaskRunning,
    TaskScheduling,
)
from simulator.engine.plan import GroupPlan, Plan
from simulator.engine.port import Backend, Capabilities, Emit, ReuseSupport, Target
from simulator.engine.status import ExitCode, TaskStatus
from simulator.errors import BackendError
from simulator.pool.config import PoolConfig

T = TypeVar("T")
HEALTH_INTERVAL = 2.0


class DockerBackend(Backend):
    """Runs a plan's tasks as containers on the local engine (`DOCKER_HOST` or the socket)."""

    def __init__(
        self,
        options: DockerOptions | None = None,
        *,
        pool: PoolConfig | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        options = options or DockerOptions()
        if options.pull_policy not in images.POLICIES:
            choices = ", ".join(images.POLICIES)
            policy = options.pull_policy
            raise BackendError(f"unknown pull policy {policy!r}; choose from {choices}")
        from simulator.pool.platforms import emulated_arches, host_arch

        self.options = options
        self.pull_policy = options.pull_policy
        self.grace_period = options.grace_period
        self.shm_size = options.shm_size
        self.base_url = options.base_url
        self.pool = pool
        gpus = options.gpus
        self.gpus = GpuInventory.detect(list(gpus) if isinstance(gpus, tuple) else gpus)
        self.host_arch = host_arch()
        self.emulated = frozenset(emulated_arches())
        self.capabilities = Capabilities(
            name="docker",
            arches=frozenset({self.host_arch}),
            emulated_arches=self.emulated,
            gpus=len(self.gpus.ids),
            storage_limits=False,
            notes=("runs on the local Docker engine",),
        )
        self._clock = clock
        self._t0 = time.monotonic()
        self._client: Any = None
        self._health_client: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._emit: Emit | None = None
        self._plan: Plan | None = None
        self._run_dir: Path | None = None
        self._run_id = ""
        self._network: str | None = None
        self._control_root: Path | None = None
        self._attempts: dict[tuple[str, int], Attempt] = {}
        self._placements: dict[str, Placement] = {}
        self._waiting: list[tuple[str, list[tuple[str, int]]]] = []
        self._waiting_reason: dict[str, str] = {}
        self._background: set[asyncio.Task[Any]] = set()
        self._health_task: asyncio.Task[Any] | None = None
        self._image_locks: dict[str, asyncio.Lock] = {}
        self._image_ids: dict[tuple[str, str], str] = {}
        self._network_lock = asyncio.Lock()
        self._executor = ThreadPoolExecutor(max_workers=32, thread_name_prefix="osmo-docker")
        self._masker = Masker()
        self._injections: dict[str, Injection] = {}
        self._builder: AttemptBuilder | None = None
        self._engine_lost = ""
        self._kept: dict[tuple[str, int], str] = {}
        """(task, retry) -> the idle twin of a failed container (--keep-failed)."""
        self._closed = False
        self._sigterm = False

    # --- plumbing -------------------------------------------------------------------------------

    def _now(self) -> float:
        return self._clock() if self._clock else time.monotonic() - self._t0

    def _report(self, event: BackendReport | RunWarning) -> None:
        if self._emit is not None and not self._closed:
            self._emit(event)

    def _log(self, attempt: Attempt, line: str, stream: str = "osmo") -> None:
        if attempt.live:
            text = self._masker(line if stream != "osmo" else f"[osmo] {line}")
            self._report(TaskLog(self._now(), attempt.task, attempt.retry, text, stream))

    def _warn(self, message: str, task: str = "") -> None:
        self._report(RunWarning(self._now(), self._masker(message), task))

    async def _call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """A blocking Docker call on the backend's thread pool (never the loop's thread)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, lambda: fn(*args, **kwargs))

    def _spawn(self, coro: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
        task = asyncio.ensure_future(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task

    def _connect(self) -> None:
        from simulator.backends.docker.client import connect

        self._client = connect(self.base_url, timeout=60, pool_size=128)
        self._health_client = connect(self.base_url, timeout=5)

    # --- Backend API ----------------------------------------------------------------------------

    async def prepare(self, plan: Plan, run_dir: Path, emit: Emit) -> None:
        self._loop = asyncio.get_running_loop()
        self._emit, self._plan = emit, plan
        self._run_dir = Path(run_dir).resolve()
        self._run_id = self._run_dir.name or plan.workflow_id
        self._t0 = time.monotonic()
        if self.pool is None:
            from simulator.pool.config import load_pool

            self.pool = load_pool()
        await self._call(self._connect)
        stale, errors = await self._call(gc.collect_stale, self._client)
        if stale:
            runs = sorted({item.run for item in stale})
            self._warn(f"removed {len(stale)} leftovers of killed runs: {', '.join(runs)}")
        for line in errors:
            self._warn(line)
        info = await self._call(self._client.info)
        self._check_plan(plan, info)
        self._control_root = Path(tempfile.mkdtemp(prefix=f"osmo-tui-{self._run_id}-")).resolve()
        assert self._loop is not None
        runtime = Runtime(
            run_id=self._run_id,
            loop=self._loop,
            client=self._client,
            injections=self._injections,
            placements=self._placements,
            shm_size=self.shm_size,
            gpu_device_requests=not self.gpus.env_only,
            call=self._call,
            log=self._log,
            warn=self._warn,
        )
        self._builder = AttemptBuilder(
            runtime=runtime,
            plan=plan,
            run_dir=self._run_dir,
            control_root=self._control_root,
            info=info,
        )
        self._health_task = self._spawn(self._health())
        self._sigterm = forward_sigterm(self._loop)

    def _check_plan(self, plan: Plan, info: dict[str, Any]) -> None:
        store = load_for_run()
        for name, tp in plan.tasks.items():
            spec = tp.spec
            self._placements[name] = place_task(self, tp)
            if spec is not None and spec.credentials:
                self._injections[name] = resolve(name, spec.credentials, store)
                self._masker.add(self._injections[name].secrets)
        for group in plan.groups.values():
            self.gpus.check_fits(group.name, {t: plan.tasks[t].resource.gpu for t in group.tasks})
        self.capabilities = replace(self.capabilities, storage_limits=storage_supported(info))

    async def _ensure_network(self) -> str:
        async with self._network_lock:
            if self._network is None:
                name = f"osmo-tui-{self._run_id}"[:60]
                labels = {
                    L.RUN: self._run_id,
                    L.RUN_DIR: str(self._run_dir),
                    L.CONTROL_DIR: str(self._control_root or ""),
                    L.WORKFLOW_ID: self._plan.workflow_id if self._plan else "",
                    **L.owner_labels(),
                }
                await self._call(self._client.networks.create, name, driver="bridge", labels=labels)
                self._network = name
            return self._network

    async def start_group(self, group: GroupPlan, retries: dict[str, int]) -> None:
        members = [(t, retries.get(t, 0)) for t in group.tasks]
        for task, retry in members:
            self._report(TaskScheduling(self._now(), task, retry))
        self._waiting.append((group.name, members))
        self._schedule()

    async def start_attempt(self, task: str, retry: int) -> None:
        assert self._plan is not None
        for (name, _), old in list(self._attempts.items()):
            if name == task and old.container_id:
                await self._remove(old)  # same hostname: the old container goes first
        self._report(TaskScheduling(self._now(), task, retry))
        self._waiting.append((self._plan.tasks[task].group, [(task, retry)]))
        self._schedule()

    async def release(self, task: str, retry: int) -> None:
        attempt = self._attempts.get((task, retry))
        if attempt is None or not attempt.live or attempt.fifo is None:
            return
        wrapper.release(attempt.fifo)
        attempt.released = True
        self._report(TaskRunning(self._now(), task, retry))
        assert self._builder is not None
        self._builder.start_checkpoints(attempt)

    async def kill(self, task: str, retry: int, reason: str) -> None:
        self._waiting = [(g, [m for m in ms if m != (task, retry)]) for g, ms in self._waiting]
        attempt = self._attempts.get((task, retry))
        if attempt is None:
            return
        attempt.killed = True
        self._spawn(self._stop_and_remove(attempt, drop_outputs=True))

    async def restart(self, task: str, retry: int) -> None:
        attempt = self._attempts.get((task, retry))
        if attempt is None or not attempt.live or not attempt.released:
            return
        if attempt.container_id is None:
            return
        attempt.released = False
        with contextlib.suppress(Exception):
            await self._call(self._client.api.kill, attempt.container_id, signal="SIGUSR1")
        self._log(attempt, "restarting the command in place (group restart)")
        self._report(TaskReady(self._now(), task, retry))

    async def cleanup_group(self, group: str) -> None:
        self._waiting = [(g, ms) for g, ms in self._waiting if g != group]
        for attempt in [a for a in self._attempts.values() if a.group == group]:
            self._spawn(self._stop_and_remove(attempt, drop_outputs=attempt.killed))

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._sigterm and self._loop is not None:
            self._loop.remove_signal_handler(signal.SIGTERM)
        for attempt in self._attempts.values():
            if attempt.live:
                attempt.killed = True
        try:
            await asyncio.wait_for(self._close_all(), timeout=self.grace_period + 30)
        except TimeoutError:
            self._abandon(["the Docker engine did not answer while cleaning up"])
        if self._control_root is not None:
            with contextlib.suppress(ValueError):
                data.safe_rmtree(self._control_root, Path(tempfile.gettempdir()))
        self._executor.shutdown(wait=False, cancel_futures=True)
        for client in (self._client, self._health_client):
            if client is not None:
                with contextlib.suppress(Exception):
                    client.close()

    async def _close_all(self) -> None:
        if self._health_task is not None:
            self._health_task.cancel()
        stops = [
            self._stop_and_remove(a, drop_outputs=a.killed and not a.ended)
            for a in self._attempts.values()
        ]
        await asyncio.gather(*stops, return_exceptions=True)
        current = asyncio.current_task()
        pending = [t for t in self._background if t is not current]
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
        if self._client is not None:
            try:
                leftovers = await self._call(gc.find_leftovers, self._client, run=self._run_id)
                errors = await self._call(gc.remove_leftovers, self._client, leftovers)
            except Exception as exc:
                errors = [str(exc)]
            if errors:
                self._abandon(errors)

    def _abandon(self, errors: list[str]) -> None:
        """Leave a marker so `osmo-tui gc` (or the next run) removes what we could not."""
        if self._run_dir is not None:
            with contextlib.suppress(OSError):
                (self._run_dir / gc.ABANDONED_MARKER).write_text("\n".join(errors) + "\n")

    def locate(self, task: str, retry: int) -> Target | None:
        kept = self._kept.get((task, retry))
        if kept is not None:
            return self._target(kept, running=False, kept=True)
        attempt = self._attempts.get((task, retry))
        if attempt is None or attempt.container_id is None or not attempt.live:
            return None
        return self._target(attempt.container_id, running=attempt.released)

    def _target(self, container: str, *, running: bool, kept: bool = False) -> Target:
        return Target("docker", container, running, kept, base_url=self.base_url or "")

    async def _keep(self, attempt: Attempt) -> None:
        """--keep-failed: the failed container's files in an idle twin (see `keep`)."""
        if attempt.container_id is None or self._run_dir is None:
            return
        labels = {
            keep.KEPT: self._run_id,
            L.RUN_DIR: str(self._run_dir),
            L.TASK: attempt.task,
            L.RETRY: str(attempt.retry),
        }
        try:
            kept = await self._call(keep.keep, self._client, attempt.container_id, labels)
        except Exception as exc:
            self._log(attempt, f"could not keep the failed container: {engine_failure(exc)}")
            return
        self._kept[attempt.task, attempt.retry] = kept
        target = self._target(kept, running=False, kept=True)
        with contextlib.suppress(OSError):
            kept_record(self._run_dir, attempt.task, attempt.retry, target)
        how = f"osmo-tui workflow exec {self._plan_id} {attempt.task}"
        self._log(attempt, f"the failed container is kept for inspection: {how}")

    @property
    def _plan_id(self) -> str:
        return self._plan.workflow_id if self._plan else self._run_id

    # --- placement ------------------------------------------------------------------------------

    def _schedule(self) -> None:
        """Place every waiting gang whose GPUs are free now (later gangs may pass a blocked one)."""
        assert self._plan is not None
        still: list[tuple[str, list[tuple[str, int]]]] = []
        for group, members in self._waiting:
            if not members:
                continue
            if self._engine_lost:
                for task, retry in members:
                    self._report(
                        TaskFailed(
                            self._now(),
                            task,
                            retry,
                            TaskStatus.FAILED_BACKEND_ERROR,
                            ExitCode.BACKEND_ERROR,
                            self._engine_lost,
                        )
                    )
                continue
            need = sum(self._plan.tasks[t].resource.gpu or 0 for t, _ in members)
            if need > len(self.gpus.free):
                still.append((group, members))
                reason = self.gpus.why_waiting(need)
                if self._waiting_reason.get(group) != reason:
                    self._waiting_reason[group] = reason
                    for task, retry in members:
                        self._report(TaskScheduling(self._now(), task, retry, reason))
                continue
            self._waiting_reason.pop(group, None)
            for task, retry in members:
                attempt = Attempt(task, retry, group)
                gpus = self._plan.tasks[task].resource.gpu or 0
                attempt.gpus = self.gpus.take(attempt.key, gpus) or []
                self._attempts[(task, retry)] = attempt
                self._spawn(self._launch(attempt))
        self._waiting = still

    def _free_gpus(self, attempt: Attempt) -> None:
        if attempt.gpus:
            self.gpus.release(attempt.key)
            attempt.gpus = []
            if self._waiting and not self._closed:
                self._schedule()

    # --- an attempt's life ------------------------------------------------------------------------

    async def _launch(self, attempt: Attempt) -> None:
        assert self._builder is not None and self._plan is not None
        placement = self._placements[attempt.task]
        gpus = f", GPUs {','.join(attempt.gpus)}" if attempt.gpus else ""
        self._report(
            TaskInitializing(
                self._now(), attempt.task, attempt.retry, placement.node, placement.reason + gpus
            )
        )
        try:
            image_id = await self._image(attempt, placement.arch)
            if image_id is None or not attempt.live:
                return
            # Only a group of several tasks needs the per-run network ({{host:<peer>}} names);
            # a lone task gets Docker's default bridge, which starts containers ~30% faster.
            peers = len(self._plan.groups[attempt.group].tasks) > 1
            network = await self._ensure_network() if peers and not placement.host_network else None
            cplan = await self._call(self._builder.container_plan, attempt, image_id, network)
            if isinstance(cplan, data.DataError):
                self._log(attempt, str(cplan))
                self._end(attempt, TaskExited(self._now(), attempt.task, attempt.retry, cplan.code))
                return
            from simulator.backends.docker.container import create_container, create_kwargs

            kwargs = create_kwargs(cplan, self._client)
            cid = await self._call(create_container, self._client, kwargs)
            attempt.container_id = cid
            if attempt.live:
                await self._call(self._client.api.start, cid)
                frames = await self._call(open_stream, self._client, cid)
        except Exception as exc:  # every engine failure becomes a task failure, never a crash
            self._start_failed(attempt, exc)
            return
        if not attempt.live:  # killed while being created: kill() may have found no container
            await self._remove(attempt)
            return
        self._start_watcher(attempt, frames)
        self._report(TaskReady(self._now(), attempt.task, attempt.retry))

    async def _image(self, attempt: Attempt, arch: str) -> str | None:
        assert self._plan is not None
        ref = str(self._plan.tasks[attempt.task].require_spec().image)
        # One lock per reference, not per (reference, arch): the engine keeps one architecture
        # per tag, so a concurrent pull of the same tag for the other arch would retag it
        # between this pull and the lookup of its result.
        lock = self._image_locks.setdefault(ref, asyncio.Lock())
        loop = asyncio.get_running_loop()

        def progress(line: str) -> None:
            loop.call_soon_threadsafe(self._log, attempt, line)

        async with lock:
            if (ref, arch) in self._image_ids:  # resolved (or pulled) once per run
                return self._image_ids[ref, arch]
            try:
                image_id = await self._call(
                    images.ensure_image, self._client, ref, arch, self.pull_policy, progress
                )
                self._image_ids[ref, arch] = image_id
                return image_id
            except images.PullError as exc:
                self._log(attempt, str(exc))
                failed = TaskFailed(
                    self._now(),
                    attempt.task,
                    attempt.retry,
                    TaskStatus.FAILED_IMAGE_PULL,
                    ExitCode.ERR_IMAGE_PULL,
                    self._masker(str(exc)),
                )
                self._end(attempt, failed)
                return None

    async def image_id(self, ref: str, arch: str) -> str | None:
        """The local image ID `ref` runs as on `arch` (made available as a task's run would,
        shared with it); None when it cannot be had."""
        lock = self._image_locks.setdefault(ref, asyncio.Lock())
        async with lock:
            if (ref, arch) not in self._image_ids:
                try:
                    self._image_ids[ref, arch] = await self._call(
                        images.ensure_image, self._client, ref, arch, self.pull_policy, _quiet
                    )
                except images.PullError:
                    return None
            return self._image_ids[ref, arch]

    def reuse_support(self, store: Path) -> ReuseSupport:
        from simulator.backends.docker.reuse import DockerReuse
        from simulator.common.digests import ReuseLayout

        return DockerReuse(self, ReuseLayout(store))

    def _start_failed(self, attempt: Attempt, exc: Exception) -> None:
        import docker.errors

        if not attempt.live:
            return
        if isinstance(exc, docker.errors.APIError):
            status, code = TaskStatus.FAILED_START_ERROR, ExitCode.START_ERROR
            message = f"Failed to start the container: {exc.explanation or exc}"
        else:
            status, code = TaskStatus.FAILED_BACKEND_ERROR, ExitCode.BACKEND_ERROR
            reason = engine_failure(exc)
            message = f"Lost the Docker engine while starting the container: {reason}."
        self._log(attempt, message)
        failed = TaskFailed(
            self._now(), attempt.task, attempt.retry, status, code, self._masker(message)
        )
        self._end(attempt, failed)

    def _start_watcher(self, attempt: Attempt, frames: Any) -> None:
        loop = asyncio.get_running_loop()

        def sink(line: str, stream: str) -> None:
            loop.call_soon_threadsafe(self._log, attempt, line, stream)

        def run() -> None:
            outcome = watch(self._client, attempt, frames, sink)
            attempt.watcher_done = True
            with contextlib.suppress(RuntimeError):  # loop closed: the run is over
                loop.call_soon_threadsafe(self._spawn, self._finished(attempt, outcome))

        threading.Thread(target=run, name=f"osmo-watch-{attempt.key}", daemon=True).start()

    async def _finished(self, attempt: Attempt, outcome: Outcome) -> None:
        """The container stopped: outputs (also after a failure), then the report."""
        assert self._builder is not None
        final = outcome.error == "" and not attempt.killed
        await self._builder.stop_checkpoints(attempt, final=final)
        if not attempt.live or self._closed:
            return
        task, retry, now = attempt.task, attempt.retry, self._now
        if outcome.error:
            message = outcome.error[0].upper() + outcome.error[1:]
            status, code = TaskStatus.FAILED_BACKEND_ERROR, ExitCode.BACKEND_ERROR
            self._end(attempt, TaskFailed(now(), task, retry, status, code, message))
        elif outcome.oom_killed:
            message = "Task was killed for running out of memory (OOMKilled)."
            status, code = TaskStatus.FAILED_EVICTED, ExitCode.EVICTED
            if self.options.keep_failed:
                await self._keep(attempt)
            self._end(attempt, TaskFailed(now(), task, retry, status, code, message))
        elif outcome.terminated and not attempt.stopping:
            if await self._ping():
                message = "The container was stopped outside osmo-tui."
            else:
                message = "Lost the Docker engine: it shut down and stopped the container."
            status, code = TaskStatus.FAILED_BACKEND_ERROR, ExitCode.BACKEND_ERROR
            self._end(attempt, TaskFailed(now(), task, retry, status, code, message))
        else:
            exit_code = outcome.exit_code or 0
            log = self._builder.logger(attempt)
            failure = await self._call(self._builder.upload_outputs, attempt, log)
            if failure is not None:
                self._log(attempt, str(failure))
                exit_code = max(exit_code, failure.code)
            if exit_code != 0 and self.options.keep_failed:
                await self._keep(attempt)
            self._end(attempt, TaskExited(now(), task, retry, exit_code))

    def _end(self, attempt: Attempt, event: TaskExited | TaskFailed) -> None:
        if attempt.live:
            attempt.ended = True
            self._report(event)
        self._free_gpus(attempt)

    async def _stop_and_remove(self, attempt: Attempt, *, drop_outputs: bool) -> None:
        attempt.stopping = True
        await self._remove(attempt)
        self._free_gpus(attempt)
        if drop_outputs and self._builder is not None:
            with contextlib.suppress(ValueError):
                self._builder.drop_outputs(attempt)

    async def _remove(self, attempt: Attempt) -> None:
        if attempt.container_id is not None:
            cid, attempt.container_id = attempt.container_id, None
            attempt.stopping = True
            with contextlib.suppress(Exception):
                await self._call(self._client.api.stop, cid, timeout=int(self.grace_period))
            with contextlib.suppress(Exception):
                await self._call(self._client.api.remove_container, cid, force=True, v=True)
        with contextlib.suppress(ValueError):
            attempt.remove_control_dir()

    # --- engine health --------------------------------------------------------------------------

    async def _ping(self) -> bool:
        try:
            await self._call(self._health_client.ping)
            return True
        except Exception:
            return False

    async def _health(self) -> None:
        """Turn an engine that stopped answering into FAILED_BACKEND_ERROR, never a hang."""
        failures = 0
        while not self._closed:
            await asyncio.sleep(HEALTH_INTERVAL)
            failures = 0 if await self._ping() else failures + 1
            if failures >= 2 and not self._engine_lost:
                self._engine_lost = "Lost the Docker engine: it stopped answering."
                for attempt in list(self._attempts.values()):
                    failed = TaskFailed(
                        self._now(),
                        attempt.task,
                        attempt.retry,
                        TaskStatus.FAILED_BACKEND_ERROR,
                        ExitCode.BACKEND_ERROR,
                        self._engine_lost,
                    )
                    self._end(attempt, failed)
                self._schedule()


def _quiet(line: str) -> None:
    """Pull progress nobody shows (an image resolved for a reuse key)."""


def forward_sigterm(loop: asyncio.AbstractEventLoop) -> bool:
    """Under `asyncio.run` (which turns Ctrl-C into a cancel of the run, then cleanup), make
    SIGTERM do the same, so `kill <pid>` never leaves containers behind. Only when SIGTERM still
    has its default action and SIGINT is asyncio's: an app with its own handling is left alone."""
    if threading.current_thread() is not threading.main_thread():
        return False
    sigint = signal.getsignal(signal.SIGINT)
    owner = getattr(getattr(sigint, "func", None), "__self__", None)
    if not isinstance(owner, asyncio.Runner) or signal.getsignal(signal.SIGTERM) != signal.SIG_DFL:
        return False
    loop.add_signal_handler(signal.SIGTERM, os.kill, os.getpid(), signal.SIGINT)
    return True


def storage_supported(info: dict[str, Any]) -> bool:
    """Whether `storage_opt size` works: btrfs/zfs/devicemapper, or overlay2 on xfs (pquota)."""
    driver = info.get("Driver", "")
    status = dict(info.get("DriverStatus") or [])
    if driver in ("btrfs", "zfs", "devicemapper"):
        return True
    return driver == "overlay2" and status.get("Backing Filesystem") == "xfs"


def host_node_name(info: dict[str, Any]) -> str:
    return str(info.get("Name") or socket.gethostname())
