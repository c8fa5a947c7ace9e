"""OSMO's workflow verbs on local runs: a live run answers at its endpoint, an ended one from disk.

`find` turns a workflow id (`<name>-N`) or a run id into the run's directory; `status`, `spec`,
`logs` and `cancel` answer the way `osmo workflow query|spec|logs|cancel` do.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from typing import Any

from simulator.backends.kept import kept_target
from simulator.engine.report import build_report
from simulator.engine.snapshot import RunSnapshot, fold
from simulator.errors import OsmoTuiError
from simulator.run.control import TEMPLATE_NAME
from simulator.run.control_client import NotLive, ask, is_live, stream
from simulator.run.locate import NO_CONTAINER, Located, NotEnterable, not_enterable
from simulator.runs import RunInfo, RunStore, log_name
from simulator.runs.reading import read_report


class UnknownWorkflow(OsmoTuiError):
    """No run in the store has this workflow id or run id (exit 1, as OSMO's 404)."""


def find(ident: str, store: RunStore | None = None) -> RunInfo:
    """The run with workflow id `ident` (the latest if several), else with run id `ident`."""
    store = store or RunStore()
    runs = store.list()
    by_workflow = [r for r in runs if r.workflow_id == ident]
    if by_workflow:
        return by_workflow[-1]
    by_run = [r for r in runs if r.id == ident]
    if by_run:
        return by_run[0]
    raise UnknownWorkflow(f"Workflow {ident} not found in {store.root}")


def status(info: RunInfo) -> dict[str, Any]:
    """`{"run_id", "workflow_id", "backend", "live", "workflow", "groups", "tasks"}`."""
    try:
        answer = ask(info.path, {"op": "query"})
        answer.pop("ok", None)
        return answer
    except NotLive:
        pass
    ids = {"run_id": info.id, "workflow_id": info.workflow_id, "backend": info.backend}
    report = read_report(info.path) or _folded(info)
    return {**ids, "live": False, **report}


def _folded(info: RunInfo) -> dict[str, Any]:
    """A run whose process died before its report: its events, folded (what is known)."""
    from simulator.run.replay import prepare_replay

    prepared, events = prepare_replay(info.id)
    snap = RunSnapshot.from_plan(prepared.plan)
    for event in events:
        fold(snap, event)
    report = build_report(snap)
    if not snap.finished:
        report["workflow"]["status"] = "UNKNOWN"  # nobody will ever finish it
    return report


def list_status(info: RunInfo) -> str:
    """The status `list` shows: a run recorded as RUNNING whose process is gone is UNKNOWN."""
    return liveness(info)[0]


def liveness(info: RunInfo) -> tuple[str, str]:
    """(status, why): the one place that decides whether a run recorded as RUNNING still runs.

    A run is live while a process answers at its control endpoint; one recorded as RUNNING
    that nobody answers for is UNKNOWN (its process was killed before writing the end), and
    `why` says so, naming the process when the run recorded it."""
    if info.damaged:
        return "DAMAGED", info.damaged
    if info.status == "RUNNING" and not is_live(info.path):
        return "UNKNOWN", _gone(info.pid)
    return info.status, ""


def _gone(pid: int) -> str:
    if pid <= 0:
        return "its process is gone (nothing answers at its control endpoint)"
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return f"process {pid} gone"
    except OSError:
        pass  # another user's process reuses the number: ours is gone all the same
    return f"process {pid} no longer answers (gone, or another process took its number)"


def select_runs(
    runs: list[RunInfo],
    *,
    statuses: Sequence[str] = (),
    name: str = "",
    after: float | None = None,
    before: float | None = None,
    backend: str = "",
    offset: int = 0,
    count: int | None = None,
) -> list[tuple[RunInfo, str]]:
    """OSMO's `workflow list` filters on the run store: each kept run with its shown status,
    newest first; `offset` and `count` page through that order (as OSMO's server does)."""
    chosen = []
    for info in sorted(runs, key=lambda r: (r.created, r.id), reverse=True):
        if name and name not in info.workflow_id and name not in info.workflow:
            continue
        if (after is not None and info.created < after) or (
            before is not None and info.created >= before
        ):
            continue
        if backend and info.backend != backend:
            continue
        shown = list_status(info)
        if statuses and shown not in statuses:
            continue
        chosen.append((info, shown))
    end = None if count is None else offset + count
    return chosen[offset:end]


def spec(info: RunInfo, *, template: bool = False) -> str:
    """The rendered spec (or, with `template`, the file as submitted, before Jinja)."""
    name = TEMPLATE_NAME if template else "spec.yaml"
    path = info.path / name
    if not path.is_file():
        raise OsmoTuiError(f"Workflow {info.workflow_id} has no recorded {name}")
    return path.read_text(errors="replace")


def cancel(
    info: RunInfo, scope: str = "workflow", name: str = "", message: str = "", force: bool = False
) -> None:
    """Cancel the live run (or one of its groups or tasks), as the app's `c` does."""
    request = {"op": "cancel", "scope": scope, "name": name, "message": message, "force": force}
    try:
        ask(info.path, request)
    except NotLive:
        raise OsmoTuiError("the workflow is not running") from None


def logs(
    info: RunInfo, task: str, retry: int | None = None, last: int | None = None
) -> Iterator[str]:
    """A task's lines (the latest attempt unless `retry`); a live run's go on until it ends."""
    request = {"op": "logs", "task": task, "retry": retry, "follow": True, "last": last}
    try:
        answers = stream(info.path, request, timeout=None)
        for answer in answers:
            if "line" in answer:
                yield str(answer["line"])
            elif not answer.get("ok", False):
                raise OsmoTuiError(str(answer.get("error")))
        return
    except NotLive:
        pass
    yield from _tail(_stored_log(info, task, retry).splitlines(), last)


def _stored_log(info: RunInfo, task: str, retry: int | None) -> str:
    tasks = status(info)["tasks"]
    if task not in tasks:
        raise OsmoTuiError(f"Workflow {info.workflow_id} has no task {task}")
    attempt = tasks[task]["retries"] if retry is None else retry
    path = info.path / "logs" / log_name(task, attempt)
    return path.read_text(errors="replace") if path.is_file() else ""


def all_logs(info: RunInfo, last: int | None = None) -> list[str]:
    """Without a task: each task's latest attempt so far, its lines prefixed `[task] `."""
    out: list[str] = []
    for task, state in status(info)["tasks"].items():
        path = info.path / "logs" / log_name(task, int(state["retries"]))
        text = path.read_text(errors="replace") if path.is_file() else ""
        out += [f"[{task}] {line}" for line in text.splitlines()]
    return _tail(out, last)


def error_logs(info: RunInfo, task: str, last: int | None = None) -> list[str]:
    """The task's stderr lines so far (OSMO's error logs), from the recorded events."""
    lines = []
    path = info.path / "events.jsonl"
    with path.open(encoding="utf-8", errors="replace") as events:
        for raw in events:
            try:
                event = json.loads(raw)
            except ValueError:
                continue  # a line being written right now
            kind_ok = isinstance(event, dict) and event.get("kind") == "task_log"
            if kind_ok and event.get("task") == task and event.get("stream") == "stderr":
                lines.append(str(event.get("line", "")))
    return _tail(lines, last)


def _tail(lines: list[str], last: int | None) -> list[str]:
    return lines[-last:] if last else lines


def locate(info: RunInfo, task: str | None, group: str | None = None) -> list[Located]:
    """Where `task` (or each task of `group`) runs, to exec or forward into: the live run's
    answer, or after the run a failed task's container kept by `--keep-failed`."""
    if info.backend == "sim":
        raise OsmoTuiError(f"Workflow {info.workflow_id}: {NO_CONTAINER}")
    try:
        answer = ask(info.path, {"op": "locate", "task": task, "group": group})
        return [Located.from_json(entry) for entry in answer["tasks"]]
    except NotLive:
        pass
    report = status(info)
    tasks = report["tasks"]
    if task and task not in tasks:
        raise OsmoTuiError(f"no task {task!r} in workflow {info.workflow_id}")
    names = [task] if task else [t for t, s in tasks.items() if s.get("group") == group]
    if not names:
        raise OsmoTuiError(f"no group {group!r} in workflow {info.workflow_id}")
    found, why = [], ""
    for name in names:
        state = tasks[name]
        retry, status_text = int(state["retries"]), str(state["status"])
        target = kept_target(info.path, name, retry)
        if target is None:
            finished = status_text not in ("RUNNING", "WAITING", "SCHEDULING", "INITIALIZING")
            reason = not_enterable(name, status_text, finished)
            why = why or (reason if finished else f"{reason} (the workflow is not running)")
            continue
        found.append(Located(name, retry, status_text, target))
    if not found:
        raise NotEnterable(why if len(names) == 1 else f"no task of group {group} is running")
    return found
