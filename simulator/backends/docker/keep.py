"""`--keep-failed` on Docker: a failed task's container, kept alive for `workflow exec`.

The engine cannot exec into a stopped container, and a stopped container cannot be given another
command. So the failed container's filesystem is committed to an untagged image and a new
container runs from it with an idle command (`sh` sleeping): `exec` then sees every file the task
wrote outside its mounts (`/osmo/data/output` and the inputs are host directories, not part of
the commit: the run's outputs keep those). The kept container and image carry `KEPT` (the run id),
which the run's own cleanup and the stale-run sweep leave alone; `osmo-tui gc` removes them.
"""

from __future__ import annotations

import contextlib
from typing import Any

from simulator.backends.docker import labels as L

KEPT = f"{L.PREFIX}.kept"
"""Label on a kept container and its image: the run id."""
IDLE = ["/bin/sh", "-c", "trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done"]


def keep(client: Any, container_id: str, labels: dict[str, str]) -> str:
    """Commit the stopped container and start its idle twin; the twin's id."""
    image = client.api.commit(container_id, conf={"Labels": labels})["Id"]
    config = client.api.create_host_config(init=True)
    name = f"{client.api.inspect_container(container_id)['Name'].lstrip('/')}-kept"[:128]
    created = client.api.create_container(
        image, entrypoint=IDLE[:1], command=IDLE[1:], labels=labels, host_config=config, name=name
    )
    kept = str(created["Id"])
    try:
        client.api.start(kept)
    except Exception:
        with contextlib.suppress(Exception):
            client.api.remove_container(kept, force=True)
        with contextlib.suppress(Exception):
            client.api.remove_image(image, force=True)
        raise
    return kept


def find_kept(client: Any) -> list[tuple[str, str, str]]:
    """(kind, id, run dir) of every kept container, then every kept image."""
    flt = {"label": KEPT}
    found = [
        ("container", c.id, c.labels.get(L.RUN_DIR, ""))
        for c in client.containers.list(all=True, filters=flt)
    ]
    found += [("image", i.id, i.labels.get(L.RUN_DIR, "")) for i in client.images.list(filters=flt)]
    return found


def remove_kept(client: Any, items: list[tuple[str, str, str]]) -> list[str]:
    """Remove the containers first (their images are in use until then); error lines."""
    import docker.errors

    errors = []
    for kind, oid, _run in sorted(items, key=lambda item: item[0] != "container"):
        try:
            if kind == "container":
                client.api.remove_container(oid, force=True, v=True)
            else:
                client.api.remove_image(oid, force=True)
        except docker.errors.NotFound:
            continue
        except docker.errors.APIError as exc:
            errors.append(f"cannot remove kept {kind} {oid[:12]}: {exc.explanation or exc}")
    return errors
