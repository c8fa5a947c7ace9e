"""Find and remove what runs left on the Docker engine (stale runs, or everything with `--all`)."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulator.backends.docker import labels as L
from simulator.backends.docker.data import safe_rmtree
from simulator.backends.docker.keep import KEPT

ABANDONED_MARKER = ".docker-leftovers"
"""Written into a run dir when close() could not remove everything (engine down): gc then takes
the run's objects even though its process may still be alive."""


@dataclass(frozen=True, slots=True)
class Leftover:
    """One container, network or volume labelled with a run id."""

    kind: str
    """container, network or volume."""
    id: str
    name: str
    run: str
    live: bool
    """The owning process still runs (not stale)."""
    run_dir: str = ""
    control_dir: str = ""


def _item(kind: str, oid: str, name: str, lab: dict[str, str]) -> Leftover:
    alive = L.owner_alive(lab)
    run_dir, control = lab.get(L.RUN_DIR, ""), lab.get(L.CONTROL_DIR, "")
    return Leftover(kind, oid, name, lab[L.RUN], alive, run_dir, control)


def _labels(obj: Any) -> dict[str, str]:
    attrs = obj.attrs
    found = attrs.get("Labels") or attrs.get("Config", {}).get("Labels") or {}
    return dict(found)


def abandoned(item: Leftover) -> bool:
    """close() of its run gave up on it (the engine was down): safe to remove now."""
    return bool(item.run_dir) and (Path(item.run_dir) / ABANDONED_MARKER).exists()


def find_leftovers(client: Any, *, run: str | None = None) -> list[Leftover]:
    """Everything labelled with a run id (only `run` when given), with its liveness."""
    selector = f"{L.RUN}={run}" if run else L.RUN
    flt = {"label": selector}
    found: list[Leftover] = []
    for container in client.containers.list(all=True, filters=flt):
        if KEPT in _labels(container):
            continue  # a failed task kept for inspection (--keep-failed): only `gc` takes it
        found.append(_item("container", container.id, container.name, _labels(container)))
    for network in client.networks.list(filters=flt):
        found.append(_item("network", network.id, network.name, _labels(network)))
    for volume in client.volumes.list(filters=flt):
        found.append(_item("volume", volume.id, volume.name, _labels(volume)))
    return found


def remove_leftovers(client: Any, leftovers: Iterable[Leftover]) -> list[str]:
    """Remove containers first (networks and volumes in use cannot go), then the private temp
    dir of each run removed completely; returns error lines."""
    import docker.errors

    items = list(leftovers)
    errors: list[str] = []
    failed: set[str] = set()
    order = {"container": 0, "network": 1, "volume": 2}
    for item in sorted(items, key=lambda x: order[x.kind]):
        try:
            if item.kind == "container":
                client.api.remove_container(item.id, force=True, v=True)
            elif item.kind == "network":
                client.api.remove_network(item.id)
            else:
                client.api.remove_volume(item.id, force=True)
        except docker.errors.NotFound:
            continue
        except docker.errors.APIError as exc:
            errors.append(f"cannot remove {item.kind} {item.name}: {exc.explanation or exc}")
            failed.add(item.run)
    for control in {i.control_dir for i in items if i.control_dir and i.run not in failed}:
        remove_control_dir(control)
    return errors


def remove_control_dir(path: str) -> None:
    """A killed run's private temp dir: only ever a direct child of the temp dir that is named
    like one (labels are data: never trust one to name anything else)."""
    tmp = Path(tempfile.gettempdir()).resolve()
    candidate = Path(path)
    if (
        candidate.is_absolute()
        and candidate.parent == tmp
        and candidate.name.startswith("osmo-tui-")
    ):
        with contextlib.suppress(ValueError):
            safe_rmtree(candidate, tmp)


def collect_stale(client: Any) -> tuple[list[Leftover], list[str]]:
    """Remove the leftovers of runs whose process is gone; (removed, errors)."""
    stale = [item for item in find_leftovers(client) if not item.live or abandoned(item)]
    return stale, remove_leftovers(client, stale)
