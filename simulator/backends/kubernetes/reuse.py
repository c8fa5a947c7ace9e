"""The Kubernetes backend's side of reusing finished groups (docs/reuse.md).

Outputs live on the data PVC (`<run id>/<task>`), so the store keeps its copies there too, under
`.osmo-tui-reuse/<key>/<task>`; the host keeps the entry's record and logs. Hashing, copying and
removing on the volume is done by a short helper pod (busybox by default) that mounts the claim:
one pod per operation, labelled with the run (its end sweeps them like any other pod).

An image is identified by its registry digest: a ref pinned by digest, or a tag resolved on a
registry on this host (the ref's own when it is a loopback address, else the mirror every name
resolves through, `KubeOptions.image_registry`). Anything else is a miss.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
import urllib.request
from typing import TYPE_CHECKING, Any

from simulator.backends.kubernetes import names, objects, templates
from simulator.common.digests import sha256_of
from simulator.engine.port import ReuseSupport
from simulator.spec.models import TaskInput

if TYPE_CHECKING:
    from simulator.backends.kubernetes.backend import KubernetesBackend

ROOT = ".osmo-tui-reuse"
"""The reuse store's directory on the data volume."""
MOUNT = "/data"
HELPER_TIMEOUT = 60.0
MANIFEST_TYPES = (
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
)
_LOOPBACK = ("127.", "localhost", "[::1]")

# The content hash of each directory given, one line each ("missing" when it is not there):
# sha256 over the sorted list of "path kind sha256" (kind f: file, l: symlink and its target).
_DIGEST = r"""
for d in "$@"; do
  if [ -d "/data/$d" ]; then
    cd "/data/$d"
    find . \( -type f -o -type l \) | LC_ALL=C sort | while IFS= read -r f; do
      if [ -L "$f" ]; then echo "$f l $(readlink "$f")"; else echo "$f f $(sha256sum < "$f")"; fi
    done | sha256sum | cut -d' ' -f1
    cd /
  else
    echo missing
  fi
done
"""
_COPY = r"""
set -e
if [ ! -d "/data/$1" ]; then
  [ "$3" = "restore" ] && exit 3
  mkdir -p "/data/$1"
fi
rm -rf "/data/$2"
mkdir -p "$(dirname "/data/$2")"
cp -a "/data/$1" "/data/$2"
du -sk "/data/$2" | cut -f1
"""
_REMOVE = r"""rm -rf "/data/$1" && echo done"""


def split_ref(ref: str) -> tuple[str | None, str, str]:
    """(registry host or None for the default, repository, tag or `sha256:...` digest)."""
    name, at, digest = ref.partition("@")
    first, slash, rest = name.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        host, repo = first, rest
    else:
        host, repo = None, name
    reference = digest if at else "latest"
    if not at:
        base, colon, tag = repo.rpartition(":")
        if colon and "/" not in tag:
            repo, reference = base, tag
    if host is None and "/" not in repo:
        repo = f"library/{repo}"
    return host, repo, reference


def registry_digest(ref: str, mirror: str | None) -> str | None:
    """The manifest digest `ref` resolves to on a registry of this host; None when unknown."""
    host, repo, reference = split_ref(ref)
    if reference.startswith("sha256:"):
        return reference
    registry = host if host is not None and host.startswith(_LOOPBACK) else mirror
    if not registry:
        return None
    request = urllib.request.Request(
        f"http://{registry}/v2/{repo}/manifests/{reference}",
        method="HEAD",
        headers={"Accept": ",".join(MANIFEST_TYPES)},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            digest = response.headers.get("Docker-Content-Digest")
    except (OSError, ValueError):
        return None
    return str(digest) if digest else None


class KubeReuse(ReuseSupport):
    def __init__(self, backend: KubernetesBackend, claim: str, helper_image: str) -> None:
        self.backend = backend
        self.claim = claim
        self.helper_image = helper_image
        self._count = itertools.count()

    @property
    def place(self) -> str:
        return f"pvc:{self.backend.ctx.namespace}/{self.claim}"

    # --- keys -------------------------------------------------------------------------------------

    async def task_identity(self, task: str) -> dict[str, Any] | None:
        backend = self.backend
        plan = backend.plan.tasks[task]
        spec = plan.require_spec()
        digest = await asyncio.to_thread(
            registry_digest, str(spec.image), backend.options.image_registry
        )
        if digest is None:
            return None
        placement = backend.ctx.placements.get(plan.resource.platform or "")
        template = templates.rendered_template(backend.ctx, plan, objects.spec_dict(spec))
        text = json.dumps(template, sort_keys=True).replace(backend.run_id, "<run>")
        return {
            "backend": "kubernetes",
            "digest": digest,
            "node_selector": dict(placement.node_selector) if placement else {},
            "tolerations": [dict(t) for t in placement.tolerations] if placement else [],
            "pod_template": sha256_of(json.loads(text)),
            "pull_policy": backend.options.image_pull_policy,
        }

    async def input_digests(self, task: str) -> list[str] | None:
        spec = self.backend.plan.tasks[task].require_spec()
        dirs: list[str] = []
        for item in spec.inputs:
            if not isinstance(item, TaskInput):
                return None  # url: inputs are not available on a cluster
            dirs.append(f"{self.backend.run_id}/{item.task}")
        if not dirs:
            return []
        lines = await self._helper("digest", _DIGEST, dirs)
        if lines is None or len(lines) != len(dirs) or "missing" in lines:
            return None
        return lines

    # --- outputs ----------------------------------------------------------------------------------

    async def export_outputs(self, task: str, key: str) -> int | None:
        source = f"{self.backend.run_id}/{task}"
        lines = await self._helper("keep", _COPY, [source, f"{ROOT}/{key}/{task}", "keep"])
        if not lines or not lines[-1].isdigit():
            return None
        return int(lines[-1]) * 1024

    async def import_outputs(self, task: str, key: str) -> bool:
        target = f"{self.backend.run_id}/{task}"
        lines = await self._helper("restore", _COPY, [f"{ROOT}/{key}/{task}", target, "restore"])
        return lines is not None and bool(lines) and lines[-1].isdigit()

    async def drop(self, key: str) -> None:
        await self._helper("drop", _REMOVE, [f"{ROOT}/{key}"])

    # --- the helper pod ---------------------------------------------------------------------------

    async def _helper(self, what: str, script: str, args: list[str]) -> list[str] | None:
        """Run `script` with `args` in a pod mounting the claim; its output lines, or None when
        it did not succeed in time."""
        backend = self.backend
        api, ctx = backend.api, backend.ctx
        name = names.dns_label(f"{ctx.run}-reuse-{what}-{next(self._count)}")
        pod: dict[str, Any] = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": name,
                "namespace": ctx.namespace,
                "labels": {
                    names.MANAGED_BY: names.MANAGER,
                    names.RUN: ctx.run,
                    names.WORKFLOW: names.label_value(ctx.workflow_id),
                },
                "annotations": {names.OWNER: ctx.owner},
            },
            "spec": {
                "restartPolicy": "Never",
                "automountServiceAccountToken": False,
                "enableServiceLinks": False,
                "terminationGracePeriodSeconds": 0,
                "containers": [
                    {
                        "name": "reuse",
                        "image": self.helper_image,
                        "command": ["/bin/sh", "-c", script, "osmo-reuse", *args],
                        "volumeMounts": [{"name": "data", "mountPath": MOUNT}],
                    }
                ],
                "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": self.claim}}],
            },
        }
        if ctx.scheduler_name:
            pod["spec"]["schedulerName"] = ctx.scheduler_name
        path = f"/api/v1/namespaces/{ctx.namespace}/pods/{name}"
        try:
            await api.create(pod)
            phase = await self._ended(path)
            if phase != "Succeeded":
                return None
            text = await backend._call(self._log, path)
            return [line for line in text.splitlines() if line.strip()]
        except Exception:
            return None
        finally:
            with contextlib.suppress(Exception):
                await api.delete_pod(name, 0)

    async def _ended(self, path: str) -> str:
        deadline = time.monotonic() + HELPER_TIMEOUT
        delay = 0.1
        while time.monotonic() < deadline:
            pod = await self.backend.api.call("reuse helper", "GET", path)
            phase = str(((pod or {}).get("status") or {}).get("phase") or "")
            if phase in ("Succeeded", "Failed"):
                return phase
            await asyncio.sleep(delay)
            delay = min(delay * 1.5, 1.0)
        return "Timeout"

    def _log(self, path: str) -> str:
        raw = self.backend.api.rest.lines(f"{path}/log", accept="*/*")
        return "\n".join(line.decode("utf-8", "replace") for line in raw)
