"""Reconciling after a re-list (pure: the backend's watch handlers fed by hand)."""

from __future__ import annotations

from typing import Any

from simulator.backends.kubernetes import KubernetesBackend
from simulator.backends.kubernetes.options import KubeOptions
from simulator.backends.kubernetes.podstatus import Phase
from simulator.backends.kubernetes.state import Attempt, Reporter
from simulator.engine.events import TaskExited, TaskFailed
from simulator.engine.status import TaskStatus


def _backend() -> tuple[KubernetesBackend, list[Any]]:
    # no log following: the handlers are fed by hand, there is no API to read a finished pod's log
    backend = KubernetesBackend(KubeOptions(stream_logs=False))
    events: list[Any] = []
    backend.rep = Reporter(events.append, lambda: 0.0, lambda node: node)
    return backend, events


def _attempt(backend: KubernetesBackend, task: str, created_rv: int) -> Attempt:
    att = Attempt(task, "g", 0, f"pod-{task}", phase=Phase.RUNNING, created_rv=created_rv)
    backend._attempts[(task, 0)] = att
    backend._by_pod[att.pod] = att
    return att


def _pod(name: str, phase: str, code: int) -> dict[str, Any]:
    state = {"terminated": {"exitCode": code, "reason": "Completed" if code == 0 else "Error"}}
    return {
        "metadata": {"name": name, "resourceVersion": "90"},
        "spec": {"nodeName": "n"},
        "status": {"phase": phase, "containerStatuses": [{"name": "c", "state": state}]},
    }


def test_a_re_list_reports_what_happened_while_the_watch_was_down() -> None:
    backend, events = _backend()
    _attempt(backend, "finished", 10)
    _attempt(backend, "vanished", 20)
    _attempt(backend, "too-new", 200)  # created after the list's version: not missing
    backend._on_sync(([_pod("pod-finished", "Failed", 7)], "100"))
    exited = [e for e in events if isinstance(e, TaskExited)]
    failed = [e for e in events if isinstance(e, TaskFailed)]
    assert [(e.task, e.exit_code) for e in exited] == [("finished", 7)]
    assert [(e.task, e.status, e.exit_code, e.message) for e in failed] == [
        (
            "vanished",
            TaskStatus.FAILED_BACKEND_ERROR,
            3001,
            "Pod was deleted while the watch was down",
        )
    ]


def test_a_pod_deleted_by_someone_else_is_a_backend_error() -> None:
    backend, events = _backend()
    _attempt(backend, "t", 10)
    backend._on_pod("DELETED", {"metadata": {"name": "pod-t"}, "status": {"phase": "Running"}})
    (failed,) = events
    assert (failed.status, failed.message) == (
        TaskStatus.FAILED_BACKEND_ERROR,
        "Pod was deleted outside osmo-tui",
    )
