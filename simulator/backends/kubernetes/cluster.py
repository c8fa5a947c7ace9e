"""Cluster access: client configuration (kubeconfig, context, in-cluster) and streaming watches.

Watches run in daemon threads (the official client blocks) and hand every event to a callback;
they resume from the last resourceVersion after a disconnect and re-list only when the server
says that version is gone (410), so a restarted API server costs one list, never a polling loop.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulator.errors import BackendError

SA_DIR = Path("/var/run/secrets/kubernetes.io/serviceaccount")

Post = Callable[[str, Any], None]
"""post(kind, payload) from a watch thread: sync (items, version), event (type, object),
disconnected, reconnected, forbidden, error."""


@dataclass
class Connection:
    api: Any
    """kubernetes.client.ApiClient (own configuration, never the process-wide default)."""
    namespace: str
    where: str
    """Human description: context or in-cluster."""


def connect(
    kubeconfig: str | None = None, context: str | None = None, namespace: str | None = None
) -> Connection:
    """A client for the kubeconfig/context given (else $KUBECONFIG, ~/.kube/config, in-cluster)."""
    from kubernetes import client, config
    from kubernetes.config.config_exception import ConfigException

    cfg = client.Configuration()
    path = kubeconfig or os.environ.get("KUBECONFIG", "").split(os.pathsep)[0] or None
    default = Path.home() / ".kube" / "config"
    in_cluster = (
        not kubeconfig
        and not context
        and os.environ.get("KUBERNETES_SERVICE_HOST")
        and not ((path and Path(path).is_file()) or default.is_file())
    )
    try:
        if in_cluster:
            config.load_incluster_config(client_configuration=cfg)
            ns = namespace or (SA_DIR / "namespace").read_text().strip()
            where = "in-cluster"
        else:
            config.load_kube_config(
                config_file=path, context=context, client_configuration=cfg, persist_config=False
            )
            ns = namespace or _context_namespace(path, context)
            where = f"context {context or _current_context(path)}"
    except (ConfigException, OSError, TypeError, ValueError) as err:
        source = path or str(default)
        raise BackendError(
            f"kubernetes: cannot load the cluster configuration ({source}): {err}"
        ) from err
    cfg.connection_pool_maxsize = 64  # parallel creates + watches + log streams
    return Connection(client.ApiClient(cfg), ns, where)


def _contexts(path: str | None) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    from kubernetes import config

    contexts, active = config.list_kube_config_contexts(config_file=path)
    return contexts, active


def _current_context(path: str | None) -> str:
    return str(_contexts(path)[1].get("name", "?"))


def _context_namespace(path: str | None, context: str | None) -> str:
    contexts, active = _contexts(path)
    chosen = next((c for c in contexts if c.get("name") == context), active) if context else active
    return str((chosen.get("context") or {}).get("namespace") or "default")


def _is_disconnect(err: BaseException) -> bool:
    from urllib3.exceptions import HTTPError

    return isinstance(err, HTTPError | OSError | ConnectionError)


class Watcher(threading.Thread):
    """Stream the events of a collection (`path`: a run's pods, or nodes) into `post`."""

    def __init__(
        self,
        name: str,
        rest: Any,
        path: str,
        post: Post,
        *,
        seconds: int = 240,
        backoff: float = 1.0,
        query: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(name=name, daemon=True)
        self._rest = rest
        self._path = path
        self._query = dict(query or {})
        self._post = post
        self._seconds = seconds
        self._backoff = backoff
        self._stop_event = threading.Event()
        self._response: Any = None
        self.ready = threading.Event()
        """Set once the first list is done (the watch sees everything after it)."""
        self.forbidden = False

    def stop(self) -> None:
        """Stop now: end the long watch request too (a stopped run holds no connection)."""
        self._stop_event.set()
        response = self._response
        if response is not None:
            with contextlib.suppress(Exception):
                response.shutdown()

    def _relist(self) -> str:
        data = self._rest.call("GET", self._path, query=self._query)
        rv = str(data["metadata"]["resourceVersion"])
        self._post("sync", (data.get("items") or [], rv))
        return rv

    def _stream(self, rv: str) -> str:
        """One watch request from `rv`; returns the last version seen when the server ends it."""
        from kubernetes.client.exceptions import ApiException

        query = {
            **self._query,
            "watch": "true",
            "resourceVersion": rv,
            "allowWatchBookmarks": "true",
            "timeoutSeconds": self._seconds,
        }
        lines = self._rest.lines(
            self._path, query=query, timeout=(5, self._seconds + 30), opened=self._opened
        )
        for line in lines:
            if not line.strip():
                continue
            event = json.loads(line)
            obj = event.get("object") or {}
            if event.get("type") == "ERROR":  # a Status object: 410 means re-list
                raise ApiException(
                    status=int(obj.get("code") or 500),
                    reason=str(obj.get("message") or obj.get("reason")),
                )
            rv = str((obj.get("metadata") or {}).get("resourceVersion") or rv)
            if event.get("type") != "BOOKMARK":
                self._post("event", (event.get("type"), obj))
            if self._stop_event.is_set():
                break
        return rv

    def _opened(self, response: Any) -> None:
        self._response = response
        if self._stop_event.is_set():
            response.shutdown()

    def run(self) -> None:
        from kubernetes.client.exceptions import ApiException

        rv: str | None = None
        down = False
        while not self._stop_event.is_set():
            try:
                if down:  # a cheap probe first, so the engine hears "reconnected" at once
                    self._rest.call(
                        "GET", self._path, query={**self._query, "limit": 1}, timeout=(5, 10)
                    )
                    down = False
                    self._post("reconnected", None)
                if rv is None:
                    rv = self._relist()
                    self.ready.set()
                rv = self._stream(rv)
            except ApiException as err:
                if err.status == 410:  # our version is too old: list again, then watch on
                    rv = None
                    continue
                if err.status in (401, 403) and not self.ready.is_set():
                    self.forbidden = True
                    self.ready.set()
                    self._post("forbidden", str(err.reason))
                    return
                down = self._down(down, f"{err.status} {err.reason}")
            except Exception as err:  # the watch must never die silently
                if not _is_disconnect(err):
                    self._post("error", f"{type(err).__name__}: {err}")
                down = self._down(down, f"{type(err).__name__}: {err}")

    def _down(self, down: bool, why: str) -> bool:
        if self._stop_event.is_set():  # our own stop() cut the request: not news
            return down
        if not down:
            self._post("disconnected", why)
        self._stop_event.wait(self._backoff)
        return True


class LogFollower(threading.Thread):
    """Stream one pod's log lines into `post("log", line)` until the container ends."""

    def __init__(self, rest: Any, namespace: str, pod: str, post: Post) -> None:
        super().__init__(name=f"log-{pod}", daemon=True)
        self._rest, self._ns, self._pod, self._post = rest, namespace, pod, post

    def run(self) -> None:
        path = f"/api/v1/namespaces/{self._ns}/pods/{self._pod}/log"
        try:
            for line in self._rest.lines(path, query={"follow": "true"}, accept="*/*"):
                self._post("log", line.decode(errors="replace").rstrip("\r"))
        except Exception:  # no logs (KWOK pods, deleted pods) is normal: nothing to stream
            return
