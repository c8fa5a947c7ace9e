"""Image resolution for a task's platform, with OSMO-like pull policies and pull progress.

The classic engine keeps one architecture per tag, so a local image may name its other-arch
sibling in a label (`org.osmo-tui.variant.<arch>`, set by scripts/images/build.sh); otherwise a
missing or wrong-arch image is pulled for `linux/<arch>` when the policy allows it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

POLICIES = ("missing", "always", "never")
VARIANT_LABEL = "org.osmo-tui.variant.{arch}"


class PullError(Exception):
    """The image could not be made available (FAILED_IMAGE_PULL, exit 302)."""


def _local(client: Any, ref: str) -> Any | None:
    import docker.errors

    try:
        return client.images.get(ref)
    except docker.errors.ImageNotFound:
        return None


def local_for_arch(client: Any, ref: str, arch: str) -> str | None:
    """The local image id serving `ref` on `arch` (directly or through its variant label)."""
    image = _local(client, ref)
    if image is None:
        return None
    own = image.attrs.get("Architecture")
    if own == arch:
        return str(image.id)
    variant = (image.labels or {}).get(VARIANT_LABEL.format(arch=arch))
    if variant:
        other = _local(client, variant)
        if other is not None and other.attrs.get("Architecture") == arch:
            # Only a pair that names each other are siblings. An image built FROM a stand-in
            # inherits its label, and must not be swapped for the bare stand-in of `arch`.
            back = (other.labels or {}).get(VARIANT_LABEL.format(arch=own))
            mirror = _local(client, back) if back else None
            if mirror is not None and mirror.id == image.id:
                return str(other.id)
    return None


def _split(ref: str) -> tuple[str, str | None]:
    if "@" in ref:
        return ref, None
    name, _, tag = ref.rpartition(":")
    if name and "/" not in tag:
        return name, tag
    return ref, "latest"


def pull(client: Any, ref: str, arch: str, progress: Callable[[str], None]) -> str:
    """Pull `ref` for linux/<arch>, reporting progress at most every 2 s; the image id."""
    import docker.errors

    repo, tag = _split(ref)
    last = 0.0
    try:
        for item in client.api.pull(
            repo, tag=tag, stream=True, decode=True, platform=f"linux/{arch}"
        ):
            if "error" in item:
                raise PullError(f"Failed to pull image {ref}: {item['error']}")
            now = time.monotonic()
            if now - last >= 2.0 and item.get("status"):
                last = now
                detail = item.get("progress") or item.get("id") or ""
                progress(f"Pulling image {ref}: {item['status']} {detail}".rstrip())
    except docker.errors.APIError as exc:
        raise PullError(f"Failed to pull image {ref}: {exc.explanation or exc}") from None
    except docker.errors.DockerException as exc:
        raise PullError(f"Failed to pull image {ref}: {exc}") from None
    found = local_for_arch(client, ref, arch)
    if found is None:
        raise PullError(f"Failed to pull image {ref}: no linux/{arch} image after the pull")
    # The stream is sampled every 2 s, so a quick pull shows only its first line: say it ended.
    progress(f"Pulled image {ref} for linux/{arch}")
    return found


def ensure_image(
    client: Any, ref: str, arch: str, policy: str, progress: Callable[[str], None]
) -> str:
    """The image id to run `ref` on linux/<arch> under `policy`; raises PullError."""
    if policy != "always":
        found = local_for_arch(client, ref, arch)
        if found is not None:
            return found
        if policy == "never":
            present = _local(client, ref) is not None
            why = f"is not available for linux/{arch}" if present else "is not present"
            raise PullError(f"Container image {ref} {why} locally and the pull policy is never")
    return pull(client, ref, arch, progress)
