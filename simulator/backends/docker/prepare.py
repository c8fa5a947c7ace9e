"""Everything on the host side of an attempt: control dir, inputs, files, outputs, checkpoints."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import io
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulator.backends.docker import data, wrapper
from simulator.backends.docker import labels as L
from simulator.backends.docker.attempt import Attempt
from simulator.backends.docker.container import (
    DATA_OUTPUT,
    DEFAULT_SHM,
    ContainerPlan,
    hostname_of,
    kubelet_env_and_argv,
)
from simulator.backends.docker.placement import Placement
from simulator.common.units import parse_duration
from simulator.credentials import Injection
from simulator.engine.from_spec import sim_hostname
from simulator.engine.plan import Plan
from simulator.spec.models import TaskSpec


def _substitute_hosts(spec: TaskSpec, peers: tuple[str, ...]) -> TaskSpec:
    """{{host:<peer>}} tokens the plan left literal become the peer's hostname on our network."""
    text = spec.model_dump_json()
    if "{{" not in text or "host:" not in text:
        return spec
    for peer in peers:
        text = re.sub(r"{{host:" + re.escape(peer) + r"}}", hostname_of(peer), text)
    new = type(spec).model_validate_json(text)
    new.lead = spec.lead
    return new


@dataclass(frozen=True)
class Runtime:
    """What the attempt builder needs of its run: handed over explicitly by the backend."""

    run_id: str
    loop: asyncio.AbstractEventLoop
    client: Any
    """The docker client (checkpoints copy out of containers through it)."""
    injections: Mapping[str, Injection]
    """Credentials per task (environment and files)."""
    placements: Mapping[str, Placement]
    shm_size: int | None
    gpu_device_requests: bool
    """False when GPUs are handed out as NVIDIA_VISIBLE_DEVICES only (an inventory)."""
    call: Callable[..., Awaitable[Any]]
    """Run a blocking call on the backend's thread pool."""
    log: Callable[[Attempt, str], None]
    """A line in an attempt's log (loop thread only)."""
    warn: Callable[[str], None]
    """A run warning (loop thread only)."""


class AttemptBuilder:
    def __init__(
        self,
        *,
        runtime: Runtime,
        plan: Plan,
        run_dir: Path,
        control_root: Path,
        info: dict[str, Any],
    ) -> None:
        from simulator.backends.docker.backend import storage_supported

        self.runtime = runtime
        self.plan = plan
        self.run_dir = run_dir
        self.control_root = control_root
        self.buckets = data.buckets_root()
        self.busybox = wrapper.find_static_busybox()
        self.storage_ok = storage_supported(info)
        self._checkpoints: dict[str, asyncio.Task[None]] = {}
        self._warned_storage = False

    def outputs_dir(self, task: str) -> Path:
        return self.run_dir / "outputs" / task

    def spec(self, task: str) -> TaskSpec:
        tp = self.plan.tasks[task]
        return _substitute_hosts(tp.require_spec(), self.plan.groups[tp.group].tasks)

    # --- before the container starts ------------------------------------------------------------

    def container_plan(
        self, attempt: Attempt, image: str, network: str | None
    ) -> ContainerPlan | data.DataError:
        """Control dir, fresh output dir, staged inputs, files; blocking (runs in a thread)."""
        task, rt = attempt.task, self.runtime
        spec = self.spec(task)
        attempt.control_root = self.control_root
        attempt.control_dir = self.control_root / f"{task}.{attempt.retry}"
        attempt.fifo = wrapper.make_control_dir(attempt.control_dir)
        output = self.outputs_dir(task)
        if output.exists():
            data.safe_rmtree(output, self.run_dir)
        output.mkdir(parents=True)
        output.chmod(0o777)  # images running as a non-root user must be able to write
        try:
            inputs = self._inputs(attempt, spec)
        except data.DataError as exc:
            return exc
        injection = rt.injections.get(task)
        env, argv = kubelet_env_and_argv(
            spec.environment,
            injection.env if injection else {},
            [*spec.command, *spec.args],
            list(attempt.gpus),
        )
        files = self._files(attempt, spec, injection.files if injection else [])
        placement = rt.placements[task]
        res = self.plan.tasks[task].resource
        labels = {
            L.RUN: rt.run_id,
            L.RUN_DIR: str(self.run_dir),
            L.CONTROL_DIR: str(self.control_root),
            L.WORKFLOW_ID: self.plan.workflow_id,
            L.GROUP: attempt.group,
            L.TASK: task,
            L.RETRY: str(attempt.retry),
            **L.owner_labels(),
        }
        storage = res.storage if self.storage_ok else None
        if res.storage and not self.storage_ok and not self._warned_storage:
            self._warned_storage = True
            rt.loop.call_soon_threadsafe(
                rt.warn,
                "storage limits are not enforced: this Docker engine's storage driver has no "
                "per-container size limit (needs overlay2 on xfs with pquota, btrfs or zfs)",
            )
        shm = rt.shm_size or DEFAULT_SHM
        if res.memory:
            shm = min(shm, res.memory // 2)
        return ContainerPlan(
            name=f"osmo-tui-{rt.run_id}-{task}-{attempt.retry}"[:120],
            task=task,
            image=image,
            arch=placement.arch,
            argv=argv,
            env=env,
            labels=labels,
            control_dir=attempt.control_dir,
            output_dir=output,
            inputs=inputs,
            files=files,
            host_mounts=placement.mounts,
            network=network,
            aliases=[sim_hostname(task, attempt.group, self.plan.workflow_id)],
            host_network=placement.host_network,
            privileged=placement.privileged,
            cpus=float(res.cpu) if res.cpu else None,
            memory=res.memory,
            storage=storage,
            shm_size=shm,
            gpus=list(attempt.gpus),
            gpu_device_requests=rt.gpu_device_requests,
            busybox=self.busybox,
        )

    def _inputs(self, attempt: Attempt, spec: Any) -> list[Path]:
        assert attempt.control_dir is not None
        staged = []
        for index, item in enumerate(spec.inputs):
            staging = attempt.control_dir / "inputs" / str(index)
            if hasattr(item, "task"):
                wf, _, name = item.task.rpartition(":")
                src = self._previous_output(wf, name) if wf else self.outputs_dir(name)
                what = f"the output of task {item.task}"
            else:
                src = data.url_path(item.url, self.buckets)
                what = item.url
            staged.append(data.stage_input(src, staging, item.regex, what))
        return staged

    def _previous_output(self, workflow_id: str, task: str) -> Path:
        """`<workflow_id>:<task>`: the output kept by an earlier run in the same run store."""
        root = self.run_dir.parent
        for candidate in sorted(root.glob("*/outputs/" + task)):
            run = candidate.parent.parent
            if run.name == workflow_id or run.name.startswith(workflow_id):
                return candidate
        return root / workflow_id / "outputs" / task

    def _files(
        self, attempt: Attempt, spec: Any, secret_files: list[tuple[str, str]]
    ) -> list[tuple[str, Path]]:
        assert attempt.control_dir is not None
        entries = [(f.path, f.contents, f.base64) for f in spec.files]
        entries += [(path, contents, False) for path, contents in secret_files]
        mounted = []
        for index, (path, contents, is_b64) in enumerate(entries):
            blob = base64.b64decode(contents) if is_b64 else contents.encode("utf-8")
            if path.startswith(DATA_OUTPUT + "/"):
                target = self.outputs_dir(attempt.task) / path[len(DATA_OUTPUT) + 1 :]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(blob)
                continue
            host = attempt.control_dir / "files" / str(index)
            host.parent.mkdir(parents=True, exist_ok=True)
            host.write_bytes(blob)
            host.chmod(0o644)
            mounted.append((path, host))
        return mounted

    # --- while and after it runs ----------------------------------------------------------------

    def start_checkpoints(self, attempt: Attempt) -> None:
        spec = self.plan.tasks[attempt.task].spec
        if spec is None or not spec.checkpoint or attempt.key in self._checkpoints:
            return
        loop = asyncio.ensure_future(self._checkpoint_loop(attempt, spec.checkpoint))
        self._checkpoints[attempt.key] = loop

    async def _checkpoint_loop(self, attempt: Attempt, checkpoints: list[Any]) -> None:
        due = {i: parse_duration(c.frequency) for i, c in enumerate(checkpoints)}
        clock = asyncio.get_running_loop().time
        next_at = {i: clock() + d for i, d in due.items()}
        while attempt.live:
            i = min(next_at, key=lambda k: next_at[k])
            await asyncio.sleep(max(0.0, next_at[i] - clock()))
            if not attempt.live or attempt.container_id is None:
                return
            await self.runtime.call(self.checkpoint, attempt, checkpoints[i], self.logger(attempt))
            next_at[i] = clock() + due[i]  # the next one starts `frequency` after this one ended

    def logger(self, attempt: Attempt) -> Callable[[str], None]:
        """A thread-safe log function for one attempt."""
        loop, write = self.runtime.loop, self.runtime.log

        def log(line: str) -> None:
            loop.call_soon_threadsafe(write, attempt, line)

        return log

    async def stop_checkpoints(self, attempt: Attempt, *, final: bool) -> None:
        task = self._checkpoints.pop(attempt.key, None)
        if task is None:
            return
        task.cancel()
        with contextlib.suppress(BaseException):
            await task
        if final:
            for ckpt in self.plan.tasks[attempt.task].require_spec().checkpoint:
                await self.runtime.call(self.checkpoint, attempt, ckpt, self.logger(attempt))

    def checkpoint(self, attempt: Attempt, ckpt: Any, log: Callable[[str], None]) -> None:
        """Copy the checkpoint directory out of the container into the object-store stand-in."""
        cid = attempt.container_id
        if cid is None:
            return
        log(f"Checkpointing data from {ckpt.path} to {ckpt.url}...")
        try:
            dst = data.url_path(ckpt.url, self.buckets, code=2012)
            stream, _ = self.runtime.client.api.get_archive(cid, ckpt.path)
            count = data.extract_checkpoint(io.BytesIO(b"".join(stream)), dst, ckpt.regex)
        except Exception as exc:
            log(f"Checkpointing data from {ckpt.path} to {ckpt.url} failed: {exc}")
            return
        log(f"Checkpointing data from {ckpt.path} to {ckpt.url} finished ({count} files)")

    def upload_outputs(self, attempt: Attempt, log: Callable[[str], None]) -> data.DataError | None:
        spec = self.plan.tasks[attempt.task].spec
        output = self.outputs_dir(attempt.task)
        for out in spec.outputs if spec is not None else []:
            try:
                count = data.upload_output(output, out.url, self.buckets, out.regex)
            except data.DataError as exc:
                return exc
            log(f"Uploaded {count} files to {out.url}" if count else "No Files in Output Folder")
        return None

    def drop_outputs(self, attempt: Attempt) -> None:
        """A killed attempt's outputs are not kept (OSMO does not upload them)."""
        output = self.outputs_dir(attempt.task)
        if output.exists():
            data.safe_rmtree(output, self.run_dir)
