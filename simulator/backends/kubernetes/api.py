"""The API calls the backend makes, with OSMO-style errors and retries while the server is away.

Calls return the server's JSON (`_preload_content=False`): decoding into client models costs more
than the calls themselves when a hundred pods start at once.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from simulator.backends.kubernetes.cluster import Connection, _is_disconnect
from simulator.backends.kubernetes.inventory import pod_group_kind
from simulator.backends.kubernetes.objects import PodGroupKind
from simulator.errors import BackendError

Runner = Callable[..., Awaitable[Any]]
RBAC_HINT = "see docs/kubernetes.md for the Role osmo-tui needs"
RETRIED = (429, 500, 502, 503, 504)


def _message(err: Any) -> str:
    try:
        return str(json.loads(err.body).get("message") or err.reason)
    except (TypeError, ValueError, AttributeError):
        return str(getattr(err, "reason", err))


class Api:
    """Namespaced calls of one run; blocking client calls go through `run` (a thread pool)."""

    def __init__(self, conn: Connection, run: Runner, grace: float) -> None:
        from kubernetes import client

        self.conn = conn
        self.ns = conn.namespace
        self.core = client.CoreV1Api(conn.api)
        self.custom = client.CustomObjectsApi(conn.api)
        self.apis = client.ApisApi(conn.api)
        self._run = run
        self._grace = grace

    async def _retrying(self, what: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Call, retrying connection failures and 5xx/429 for up to `grace` seconds."""
        from kubernetes.client.exceptions import ApiException

        deadline = time.monotonic() + self._grace
        delay = 0.2
        while True:
            try:
                return await self._run(fn, *args, **kwargs)
            except ApiException as err:
                if err.status not in RETRIED or time.monotonic() > deadline:
                    raise
            except Exception as err:
                if not _is_disconnect(err):
                    raise
                if time.monotonic() > deadline:
                    raise BackendError(
                        f"kubernetes: {what}: API server unreachable for {self._grace:g}s ({err})"
                    ) from None
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)

    async def check_access(self, pvc: str | None) -> None:
        """Fail early, in one line, when the namespace, the credentials or the PVC are wrong."""
        from kubernetes.client.exceptions import ApiException

        probe = {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"generateName": "osmo-tui-probe-"},
        }
        try:
            await self._retrying(
                "list pods", self.core.list_namespaced_pod, self.ns, limit=1, _preload_content=False
            )
            await self._retrying(
                "create",
                self.core.create_namespaced_config_map,
                self.ns,
                probe,
                dry_run="All",
                _preload_content=False,
            )
            if pvc:
                await self._retrying(
                    "read PVC",
                    self.core.read_namespaced_persistent_volume_claim,
                    pvc,
                    self.ns,
                    _preload_content=False,
                )
        except ApiException as err:
            if err.status == 404 and pvc and "persistentvolumeclaim" in _message(err).lower():
                raise BackendError(
                    f"kubernetes: PersistentVolumeClaim {pvc!r} not found in "
                    f"namespace {self.ns!r} (--kube-data-pvc)"
                ) from None
            if err.status == 404:
                raise BackendError(
                    f"kubernetes: namespace {self.ns!r} does not exist ({self.conn.where})"
                ) from None
            if err.status in (401, 403):
                raise BackendError(
                    f"kubernetes: not allowed in namespace {self.ns!r} "
                    f"({self.conn.where}): {_message(err)}; {RBAC_HINT}"
                ) from None
            raise BackendError(f"kubernetes: {err.status} {_message(err)}") from None
        except Exception as err:
            if isinstance(err, BackendError) or not _is_disconnect(err):
                raise
            host = self.conn.api.configuration.host
            raise BackendError(
                f"kubernetes: cannot reach the API server at {host}: {err}"
            ) from None

    async def can_list_nodes(self) -> bool:
        from kubernetes.client.exceptions import ApiException

        try:
            await self._run(self.core.list_node, limit=1, _preload_content=False)
        except ApiException:
            return False  # a namespaced Role cannot see nodes: placement details are unknown
        return True

    async def list_nodes(self) -> list[dict[str, Any]]:
        resp = await self._run(self.core.list_node, _preload_content=False)
        items: list[dict[str, Any]] = json.loads(resp.data).get("items") or []
        return items

    async def pod_group_kind(self) -> PodGroupKind | None:
        try:
            groups = await self._run(self.apis.get_api_versions)
        except Exception:
            return None
        return pod_group_kind({g.name for g in groups.groups or []})

    async def create(self, manifest: dict[str, Any]) -> dict[str, Any]:
        """Create one object; 409 (already there, e.g. a retried call that had landed) is fine."""
        from kubernetes.client.exceptions import ApiException

        kind = manifest["kind"]
        name = manifest["metadata"]["name"]
        if kind == "PodGroup":
            group, version = manifest["apiVersion"].split("/")
            fn: Callable[..., Any] = self.custom.create_namespaced_custom_object
            args: tuple[Any, ...] = (group, version, self.ns, "podgroups", manifest)
        else:
            fn = getattr(self.core, f"create_namespaced_{_snake(kind)}")
            args = (self.ns, manifest)
        try:
            resp = await self._retrying(f"create {kind} {name}", fn, *args, _preload_content=False)
        except ApiException as err:
            if err.status == 409:
                return {}
            raise BackendError(
                f"kubernetes: cannot create {kind} {name}: {_message(err)}"
                + (f"; {RBAC_HINT}" if err.status == 403 else "")
            ) from None
        data: dict[str, Any] = json.loads(resp.data)
        return data

    async def delete_pod(self, name: str, grace: int) -> None:
        from kubernetes.client.exceptions import ApiException

        try:
            await self._retrying(
                f"delete pod {name}",
                self.core.delete_namespaced_pod,
                name,
                self.ns,
                grace_period_seconds=grace,
                _preload_content=False,
            )
        except ApiException as err:
            if err.status != 404:
                raise BackendError(
                    f"kubernetes: cannot delete pod {name}: {_message(err)}"
                ) from None

    async def patch_annotations(self, pod: str, annotations: dict[str, str]) -> None:
        from kubernetes.client.exceptions import ApiException

        body = {"metadata": {"annotations": annotations}}
        try:
            await self._retrying(
                f"patch pod {pod}",
                self.core.patch_namespaced_pod,
                pod,
                self.ns,
                body,
                _preload_content=False,
            )
        except ApiException as err:
            if err.status != 404:
                raise BackendError(f"kubernetes: cannot patch pod {pod}: {_message(err)}") from None

    async def delete_all(self, selector: str, pod_group: PodGroupKind | None) -> None:
        """Delete every pod, Service, ConfigMap, Secret (and PodGroup) matching `selector`."""
        calls: list[tuple[Callable[..., Any], tuple[Any, ...]]] = [
            (self.core.delete_collection_namespaced_pod, (self.ns,)),
            (self.core.delete_collection_namespaced_service, (self.ns,)),
            (self.core.delete_collection_namespaced_config_map, (self.ns,)),
            (self.core.delete_collection_namespaced_secret, (self.ns,)),
        ]
        if pod_group is not None:
            calls.append(
                (
                    self.custom.delete_collection_namespaced_custom_object,
                    (pod_group.group, pod_group.version, self.ns, pod_group.plural),
                )
            )
        results = await asyncio.gather(
            *(
                self._retrying("delete", fn, *args, label_selector=selector, _preload_content=False)
                for fn, args in calls
            ),
            return_exceptions=True,
        )
        failed = [r for r in results if isinstance(r, BaseException)]
        if failed:
            raise BackendError(f"kubernetes: cleanup of {selector} failed: {failed[0]}")


def _snake(kind: str) -> str:
    return {"Pod": "pod", "Service": "service", "ConfigMap": "config_map", "Secret": "secret"}[kind]
