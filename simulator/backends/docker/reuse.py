"""The Docker backend's side of reusing finished groups (docs/reuse.md).

Outputs live on this host (`<run dir>/outputs/<task>`), so the store keeps them on this host
too, hard-linked where the file system allows (a finished output is never written again: a new
attempt replaces the directory, and inputs are mounted read-only), copied otherwise.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator.backends.docker import data
from simulator.common.digests import ReuseLayout, tree_bytes, tree_digest
from simulator.engine.port import ReuseSupport
from simulator.spec.models import TaskInput

if TYPE_CHECKING:
    from simulator.backends.docker.backend import DockerBackend


def link_tree(src: Path, dst: Path) -> int:
    """`dst` becomes a copy of directory `src` (hard links when possible); its bytes."""
    if dst.exists():
        shutil.rmtree(dst)
    dst.mkdir(parents=True)
    if not src.is_dir():
        return 0
    for item in sorted(src.rglob("*")):
        target = dst / item.relative_to(src)
        if item.is_symlink():
            target.symlink_to(os.readlink(item))
        elif item.is_dir():
            target.mkdir(exist_ok=True)
        elif item.is_file():
            try:
                os.link(item, target)
            except OSError:
                shutil.copy2(item, target)
    return tree_bytes(dst)


class DockerReuse(ReuseSupport):
    @property
    def place(self) -> str:
        return "local"

    def __init__(self, backend: DockerBackend, layout: ReuseLayout) -> None:
        self.backend = backend
        self.layout = layout

    async def task_identity(self, task: str) -> dict[str, Any] | None:
        placement = self.backend._placements.get(task)
        plan = self.backend._plan
        if placement is None or plan is None or placement.mounts:
            return None  # host mounts: contents we cannot vouch for
        ref = str(plan.tasks[task].require_spec().image)
        image_id = await self.backend.image_id(ref, placement.arch)
        if image_id is None:
            return None
        return {
            "backend": "docker",
            "image_id": image_id,
            "arch": placement.arch,
            "platform": placement.platform,
            "privileged": placement.privileged,
            "host_network": placement.host_network,
            "shm_size": self.backend.shm_size,
        }

    async def input_digests(self, task: str) -> list[str] | None:
        builder, plan = self.backend._builder, self.backend._plan
        if builder is None or plan is None:
            return None
        digests: list[str] = []
        for item in plan.tasks[task].require_spec().inputs:
            if isinstance(item, TaskInput):
                source = builder.outputs_dir(item.task)
            else:
                try:
                    source = data.url_path(item.url, builder.buckets)
                except data.DataError:
                    return None
            digest = await asyncio.to_thread(tree_digest, source)
            if digest is None:
                return None
            digests.append(digest)
        return digests

    async def export_outputs(self, task: str, key: str) -> int | None:
        builder = self.backend._builder
        if builder is None:
            return None
        try:
            return await asyncio.to_thread(
                link_tree, builder.outputs_dir(task), self.layout.outputs(key, task)
            )
        except OSError:
            return None

    async def import_outputs(self, task: str, key: str) -> bool:
        builder = self.backend._builder
        if builder is None:
            return False
        source = self.layout.outputs(key, task)
        if not source.is_dir():
            return False
        try:
            await asyncio.to_thread(self._import, task, source)
        except (OSError, ValueError, data.DataError):
            return False
        return True

    def _import(self, task: str, source: Path) -> None:
        builder = self.backend._builder
        assert builder is not None
        output = builder.outputs_dir(task)
        if output.exists():
            data.safe_rmtree(output, builder.run_dir)
        link_tree(source, output)
        output.chmod(0o777)
        spec = builder.plan.tasks[task].require_spec()
        for out in spec.outputs:  # its run uploaded them: so does its reuse
            data.upload_output(output, out.url, builder.buckets, out.regex)

    async def drop(self, key: str) -> None:
        return None  # the outputs are in the entry's own directory, removed with it
