"""The watch side of `KubernetesBackend`: pod and node events, disconnects, log streams.

Watch threads post into the event loop; everything here runs on the loop, turning what the
cluster reports into engine reports through the attempt's `Reporter`.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Coroutine
from typing import Any

from simulator.backends.kubernetes.cluster import LogFollower
from simulator.backends.kubernetes.inventory import Inventory, node_info
from simulator.backends.kubernetes.objects import Context
from simulator.backends.kubernetes.podstatus import Phase, observe
from simulator.backends.kubernetes.state import Attempt, Reporter

LOG_DRAIN_SECONDS = 5.0
"""How long a finished pod's end waits for the rest of its log to arrive."""


class WatchHandlers:
    """Mixed into KubernetesBackend; the attributes below are set by its constructor/prepare."""

    _closed: bool
    _loop: asyncio.AbstractEventLoop
    _attempts: dict[tuple[str, int], Attempt]
    _by_pod: dict[str, Attempt]
    _inventory: Inventory
    _lost: asyncio.TimerHandle | None
    _stream_logs: bool | None
    api_grace: float
    api: Any
    ctx: Context
    rep: Reporter

    def _track(self, coro: Coroutine[Any, Any, None]) -> asyncio.Future[None]:
        raise NotImplementedError

    def _post_pods(self, kind: str, payload: Any) -> None:
        self._threadsafe(self._on_pods, kind, payload)

    def _post_nodes(self, kind: str, payload: Any) -> None:
        self._threadsafe(self._on_nodes, kind, payload)

    def _threadsafe(self, fn: Callable[[str, Any], None], kind: str, payload: Any) -> None:
        if self._closed:
            return
        with contextlib.suppress(RuntimeError):  # the loop is gone: the run is over
            self._loop.call_soon_threadsafe(fn, kind, payload)

    def _on_pods(self, kind: str, payload: Any) -> None:
        if self._closed:
            return
        if kind == "event":
            etype, pod = payload
            self._on_pod(etype, pod)
        elif kind == "sync":
            self._on_sync(payload)
        elif kind == "disconnected":
            self._on_disconnect(str(payload))
        elif kind == "reconnected":
            self._on_reconnect()
        elif kind in ("error", "forbidden"):
            self.rep.warn(f"kubernetes pod watch: {payload}")

    def _on_pod(self, etype: str, pod: dict[str, Any]) -> None:
        att = self._by_pod.get(str((pod.get("metadata") or {}).get("name")))
        if att is None or not att.live:
            return
        obs = observe(pod)
        if etype == "DELETED" and obs.phase is not Phase.DONE:
            gone = att.node and self._inventory.visible and att.node not in self._inventory.nodes
            why = (
                "Node got removed from the cluster while the pod was on it"
                if gone
                else "Pod was deleted outside osmo-tui"
            )
            self.rep.backend_error(att, why)
            return
        if obs.slow_failure and att.slow_timer is None:
            att.slow_timer = self._loop.call_later(
                obs.slow_failure,
                self.rep.backend_error,
                att,
                f"{obs.reason} for more than {obs.slow_failure / 60:g} minutes",
            )
        node = obs.node or att.node
        if obs.phase is Phase.DONE and not att.drained and (obs.status is None or att.log):
            # the container ran: its end is reported once its log has drained (the kubelet
            # closes the stream when the container exits), so a task's output precedes its end
            # as on Docker, and a task too short to be seen running still has its log read
            follower = self._follow_logs(att, node)
            if follower is not None and self._real(node):
                att.drained = True
                self._track(self._after_drain(att, follower, etype, pod))
                return
        self.rep.observe(att, obs)
        if att.phase >= Phase.READY and att.live:
            self._follow_logs(att, node)
        elif att.phase is Phase.DONE and (obs.status or obs.exit_code) and self._real(node):
            self._keep_failed(att)

    async def _after_drain(
        self, att: Attempt, follower: threading.Thread, etype: str, pod: dict[str, Any]
    ) -> None:
        await self._loop.run_in_executor(None, follower.join, LOG_DRAIN_SECONDS)
        self._on_pod(etype, pod)

    def _keep_failed(self, att: Attempt) -> None:
        """Hook of the backend (--keep-failed); nothing by default."""

    def _real(self, node: str) -> bool:
        info = self._inventory.nodes.get(node)
        return info is None or not info.fake

    def _on_sync(self, payload: tuple[list[dict[str, Any]], str]) -> None:
        """A fresh list (start, or after the server forgot our version): reconcile every attempt.

        A live attempt whose pod existed before this list (created at an older version) but is
        not in it was deleted while we were not watching.
        """
        items, version = payload
        present = {str(p["metadata"]["name"]): p for p in items}
        newest = _int(version)
        for att in list(self._by_pod.values()):
            pod = present.get(att.pod)
            if pod is not None:
                self._on_pod("MODIFIED", pod)
            elif att.live and att.created_rv and att.created_rv <= newest:
                self.rep.backend_error(att, "Pod was deleted while the watch was down")

    def _on_disconnect(self, why: str) -> None:
        self.rep.warn(f"lost the Kubernetes API watch ({why}); resuming when it is back")
        if self._lost is None:
            self._lost = self._loop.call_later(self.api_grace, self._give_up)

    def _on_reconnect(self) -> None:
        if self._lost is not None:
            self._lost.cancel()
            self._lost = None
        self.rep.warn("the Kubernetes API is reachable again; the pod watch resumed")

    def _give_up(self) -> None:
        for att in list(self._attempts.values()):
            if att.live:
                self.rep.backend_error(
                    att, f"lost contact with the Kubernetes API server for {self.api_grace:g}s"
                )

    def _on_nodes(self, kind: str, payload: Any) -> None:
        if kind == "sync":
            items, _version = payload
            self._inventory.nodes = {i.name: i for i in map(node_info, items)}
        elif kind == "event":
            etype, node = payload
            info = node_info(node)
            if etype == "DELETED":
                self._inventory.nodes.pop(info.name, None)
                self._node_gone(info.name)
            else:
                self._inventory.nodes[info.name] = info

    def _node_gone(self, node: str) -> None:
        for att in list(self._attempts.values()):
            if att.live and att.node == node:
                self.rep.backend_error(
                    att, "Node got removed from the cluster while the pod was on it"
                )
                att.deleting = True
                self._track(self.api.delete_pod(att.pod, 0))

    def _follow_logs(self, att: Attempt, node: str) -> threading.Thread | None:
        """Follow the pod's log (None: on real nodes only; KWOK serves logs only from Logs objects).

        Returns the attempt's follower (started once), or None when its log is not followed."""
        if att.log is not None:
            return att.log
        if self._stream_logs is False or (self._stream_logs is None and not self._real(node)):
            return None
        task, retry = att.task, att.retry

        def post(_kind: str, line: Any) -> None:
            self._threadsafe(lambda _k, text: self.rep.log(task, retry, text), "log", line)

        att.log = LogFollower(self.api.rest, self.ctx.namespace, att.pod, post)
        att.log.start()
        return att.log


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
