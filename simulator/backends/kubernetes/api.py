"""The API calls the backend makes, with OSMO-style errors and retries while the server is away."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from simulator.backends.kubernetes.cluster import Connection, _is_disconnect
from simulator.backends.kubernetes.inventory import pod_group_kind
from simulator.backends.kubernetes.objects import PodGroupKind
from simulator.backends.kubernetes.rest import Rest, ns_path
from simulator.errors import BackendError

Runner = Callable[..., Awaitable[Any]]
RBAC_HINT = "see docs/kubernetes.md for the Role osmo-tui needs"
RETRIED = (429, 500, 502, 503, 504)
START_GRACE = 5.0
"""Seconds a cluster may be unreachable when a run starts (later: the backend's api_grace)."""
PLURALS = {"Pod": "pods", "Service": "services", "ConfigMap": "configmaps", "Secret": "secrets"}


def _message(err: Any) -> str:
    try:
        return str(json.loads(err.body).get("message") or err.reason)
    except (TypeError, ValueError, AttributeError):
        return str(getattr(err, "reason", err))


def group_path(kind: PodGroupKind, namespace: str) -> str:
    return f"/apis/{kind.group}/{kind.version}/namespaces/{namespace}/{kind.plural}"


class Api:
    """Namespaced calls of one run; blocking calls go through `run` (a thread pool)."""

    def __init__(self, conn: Connection, run: Runner, grace: float) -> None:
        self.conn = conn
        self.ns = conn.namespace
        self.rest = Rest(conn.api)
        self._run = run
        self._grace = grace
        self.pod_group: PodGroupKind | None = None
        """The cluster's gang scheduler API, once discovered."""

    async def call(
        self, what: str, method: str, path: str, *, grace: float | None = None, **kwargs: Any
    ) -> Any:
        """One call, retrying connection failures and 5xx/429 for up to `grace` seconds."""
        from kubernetes.client.exceptions import ApiException

        grace = self._grace if grace is None else grace
        deadline = time.monotonic() + grace
        delay = 0.2
        while True:
            try:
                return await self._run(self.rest.call, method, path, **kwargs)
            except ApiException as err:
                if err.status not in RETRIED or time.monotonic() > deadline:
                    raise
            except Exception as err:
                if not _is_disconnect(err):
                    raise
                if time.monotonic() > deadline:
                    raise BackendError(
                        f"kubernetes: {what}: API server unreachable for {grace:g}s ({err})"
                    ) from None
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)

    async def check_access(self, pvc: str | None) -> None:
        """Fail early, in one line, when the namespace, the credentials or the PVC are wrong."""
        from kubernetes.client.exceptions import ApiException

        probe = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"generateName": "osmo-tui-"}}
        try:
            await self.call(  # a cluster that is not there at the start: say so soon
                "list pods", "GET", ns_path(self.ns, "pods"), query={"limit": 1}, grace=START_GRACE
            )
            await self.call(
                "create",
                "POST",
                ns_path(self.ns, "configmaps"),
                query={"dryRun": "All"},
                body=probe,
            )
            if pvc:
                await self.call("read PVC", "GET", ns_path(self.ns, "persistentvolumeclaims", pvc))
        except BackendError:  # unreachable for START_GRACE seconds
            host = self.conn.api.configuration.host
            raise BackendError(
                f"kubernetes: cannot reach the API server at {host} ({self.conn.where})"
            ) from None
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

    async def list_nodes(self) -> list[dict[str, Any]] | None:
        """Every node, or None when the credentials may not list them (a namespaced Role)."""
        from kubernetes.client.exceptions import ApiException

        try:
            data = await self.call("list nodes", "GET", "/api/v1/nodes")
        except ApiException:
            return None
        items: list[dict[str, Any]] = data.get("items") or []
        return items

    async def pod_group_kind(self) -> PodGroupKind | None:
        try:
            data = await self.call("discovery", "GET", "/apis")
        except Exception:
            return None
        self.pod_group = pod_group_kind({str(g.get("name")) for g in data.get("groups") or []})
        return self.pod_group

    async def create(self, manifest: dict[str, Any]) -> dict[str, Any]:
        """Create one object; 409 (already there, e.g. a retried call that had landed) is fine."""
        from kubernetes.client.exceptions import ApiException

        kind = manifest["kind"]
        name = manifest["metadata"]["name"]
        if kind == "PodGroup":
            group, version = manifest["apiVersion"].split("/")
            path = group_path(PodGroupKind(group, version, "podgroups"), self.ns)
        else:
            path = ns_path(self.ns, PLURALS[kind])
        try:
            data: dict[str, Any] = await self.call(
                f"create {kind} {name}", "POST", path, body=manifest
            )
        except ApiException as err:
            if err.status == 409:
                return {}
            raise BackendError(
                f"kubernetes: cannot create {kind} {name}: {_message(err)}"
                + (f"; {RBAC_HINT}" if err.status == 403 else "")
            ) from None
        return data

    async def delete_pod(self, name: str, grace: int) -> None:
        from kubernetes.client.exceptions import ApiException

        try:
            await self.call(
                f"delete pod {name}",
                "DELETE",
                ns_path(self.ns, "pods", name),
                query={"gracePeriodSeconds": grace},
            )
        except ApiException as err:
            if err.status != 404:
                raise BackendError(
                    f"kubernetes: cannot delete pod {name}: {_message(err)}"
                ) from None

    async def delete(self, kind: str, name: str) -> None:
        """Delete one object by kind and name (gone already is fine)."""
        from kubernetes.client.exceptions import ApiException

        if kind == "PodGroup":
            if self.pod_group is None:
                return
            path = f"{group_path(self.pod_group, self.ns)}/{name}"
        else:
            path = ns_path(self.ns, PLURALS[kind], name)
        try:
            await self.call(f"delete {kind} {name}", "DELETE", path)
        except ApiException as err:
            if err.status != 404:
                raise BackendError(
                    f"kubernetes: cannot delete {kind} {name}: {_message(err)}"
                ) from None

    async def patch_annotations(self, pod: str, annotations: dict[str, str]) -> None:
        from kubernetes.client.exceptions import ApiException

        body = {"metadata": {"annotations": annotations}}
        try:
            await self.call(f"patch pod {pod}", "PATCH", ns_path(self.ns, "pods", pod), body=body)
        except ApiException as err:
            if err.status != 404:
                raise BackendError(f"kubernetes: cannot patch pod {pod}: {_message(err)}") from None

    async def patch_labels(self, pod: str, labels: dict[str, str | None]) -> None:
        """Merge `labels` into the pod's (None removes one); a pod already gone is fine."""
        from kubernetes.client.exceptions import ApiException

        body = {"metadata": {"labels": labels}}
        try:
            await self.call(f"patch pod {pod}", "PATCH", ns_path(self.ns, "pods", pod), body=body)
        except ApiException as err:
            if err.status != 404:
                raise BackendError(f"kubernetes: cannot patch pod {pod}: {_message(err)}") from None

    async def delete_all(self, selector: str, pod_group: PodGroupKind | None) -> None:
        """Delete every pod, Service, ConfigMap, Secret (and PodGroup) matching `selector`."""
        paths = [ns_path(self.ns, plural) for plural in PLURALS.values()]
        if pod_group is not None:
            paths.append(group_path(pod_group, self.ns))
        results = await asyncio.gather(
            *(
                self.call("delete", "DELETE", path, query={"labelSelector": selector})
                for path in paths
            ),
            return_exceptions=True,
        )
        failed = [r for r in results if isinstance(r, BaseException)]
        if failed:
            raise BackendError(f"kubernetes: cleanup of {selector} failed: {failed[0]}")
