"""The local control endpoint of a recorded run: a Unix socket in its run directory, JSON lines.

One request line per connection (`{"op": "query"|"cancel"|"logs"|"spec"|"locate", ...}`), answered by one
JSON line (`{"ok": true, ...}` or `{"ok": false, "error": "..."}`); `logs` with `follow` answers
with one `{"line": ...}` per log line, then `{"ok": true, "end": true}` once the task has ended.
The socket is owner-only (0600) and never on TCP; it disappears when the run ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator.engine.events import Event, TaskLog
from simulator.engine.report import build_report
from simulator.errors import OsmoTuiError
from simulator.run.control_socket import SOCKET_NAME, bind_address, socket_address
from simulator.run.locate import locate
from simulator.run.runs import Cancel
from simulator.runs.store import log_name

if TYPE_CHECKING:
    from simulator.run.execution import Execution

__all__ = ["SOCKET_NAME", "TEMPLATE_NAME", "ControlServer", "socket_address"]

TEMPLATE_NAME = "template.yaml"
_REQUEST_LIMIT = 64 * 1024

Canceller = Callable[[Cancel], None]


class ControlServer:
    """Serves one `Execution` until `close()`; `cancel` is how its driver applies a cancel."""

    def __init__(self, execution: Execution, cancel: Canceller) -> None:
        assert execution.run_dir is not None
        self.execution = execution
        self.run_dir: Path = execution.run_dir
        self._cancel = cancel
        self._server: asyncio.AbstractServer | None = None
        self._address = ""
        self._followers: list[asyncio.Queue[Event | None]] = []

    async def start(self) -> None:
        loaded = self.execution.prepared.loaded
        if loaded is not None:
            (self.run_dir / TEMPLATE_NAME).write_text(loaded.source)
        self._address = bind_address(self.run_dir)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self._address)
        self._server = await asyncio.start_unix_server(
            self._serve, path=self._address, limit=_REQUEST_LIMIT
        )
        os.chmod(self._address, 0o600)

    async def close(self) -> None:
        """Stop serving and remove the socket (idempotent; every exit path calls it)."""
        server, self._server = self._server, None
        for queue in self._followers:
            queue.put_nowait(None)
        if server is not None:
            server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), 2)
        for path in (self._address, str(self.run_dir / SOCKET_NAME)):
            with contextlib.suppress(OSError):
                if path:
                    os.unlink(path)

    def observe(self, events: list[Event]) -> None:
        """Every absorbed batch: followers of a task's log get its new lines."""
        for queue in self._followers:
            for event in events:
                queue.put_nowait(event)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = json.loads(await reader.readline())
            if not isinstance(request, dict):
                raise ValueError("a request is a JSON object")
            if request.get("op") == "logs":
                await self._logs(request, writer)
            else:
                await _send(writer, self._answer(request))
        except (ValueError, TypeError, asyncio.LimitOverrunError) as exc:
            with contextlib.suppress(ConnectionError):
                await _send(writer, {"ok": False, "error": f"bad request: {exc}"})
        except ConnectionError:
            pass  # the client left
        finally:
            writer.close()

    def _answer(self, request: dict[str, Any]) -> dict[str, Any]:
        op = request.get("op")
        if op == "query":
            return {"ok": True, "live": True, **self.status()}
        if op == "spec":
            return {"ok": True, "spec": self.execution.prepared.rendered}
        if op == "cancel":
            return self._do_cancel(request)
        if op == "locate":
            return self._locate(request)
        return {"ok": False, "error": f"unknown request {op!r}"}

    def status(self) -> dict[str, Any]:
        """The run's ids and its report as `--json` gives it (OSMO's query, locally)."""
        execution = self.execution
        return {
            "run_id": self.run_dir.name,
            "workflow_id": execution.prepared.plan.workflow_id,
            "backend": execution.run.backend,
            **build_report(execution.snapshot),
        }

    def _locate(self, request: dict[str, Any]) -> dict[str, Any]:
        """Where a task (or each task of a group) runs: the container or pod to enter."""
        task, group = request.get("task"), request.get("group")
        execution = self.execution
        try:
            found = locate(
                execution.run, execution.snapshot, task and str(task), group and str(group)
            )
        except OsmoTuiError as exc:
            return {"ok": False, "error": exc.render()}
        return {"ok": True, "backend": execution.run.backend, "tasks": [f.to_json() for f in found]}

    def _do_cancel(self, request: dict[str, Any]) -> dict[str, Any]:
        if self.execution.snapshot.finished:
            return {"ok": False, "error": "the workflow has already finished"}
        scope = str(request.get("scope") or "workflow")
        if scope not in ("workflow", "group", "task"):
            return {"ok": False, "error": f"cannot cancel a {scope!r}"}
        message = str(request.get("message") or "Canceled with osmo-tui workflow cancel")
        name, force = str(request.get("name") or ""), bool(request.get("force"))
        cancel = Cancel(scope, name, message, force=force)  # type: ignore[arg-type]
        try:
            self._cancel(cancel)
        except OsmoTuiError as exc:
            return {"ok": False, "error": exc.render()}
        return {"ok": True, "workflow_id": self.execution.prepared.plan.workflow_id}

    async def _logs(self, request: dict[str, Any], writer: asyncio.StreamWriter) -> None:
        """The task's lines so far (its log file), then with `follow` the new ones to its end."""
        task = str(request.get("task") or "")
        tasks = self.execution.snapshot.tasks
        if task not in tasks:
            await _send(writer, {"ok": False, "error": f"no task {task!r} in this workflow"})
            return
        retry = request.get("retry")
        retry = tasks[task].retries if retry is None else int(retry)
        queue: asyncio.Queue[Event | None] = asyncio.Queue()
        self._followers.append(queue)  # before reading the file: no line falls in between
        try:
            path = self.run_dir / "logs" / log_name(task, retry)
            text = path.read_text(errors="replace") if path.exists() else ""
            lines = text.splitlines()
            last = request.get("last")
            for line in lines[-int(last) :] if last else lines:
                await _send(writer, {"line": line})
            if request.get("follow"):
                await self._follow(queue, task, retry, writer)
            await _send(writer, {"ok": True, "end": True})
        finally:
            self._followers.remove(queue)

    async def _follow(
        self,
        queue: asyncio.Queue[Event | None],
        task: str,
        retry: int,
        writer: asyncio.StreamWriter,
    ) -> None:
        while True:
            # what is queued was absorbed before the status now seen: send it before stopping
            event = queue.get_nowait() if not queue.empty() else None
            if event is None:
                if self._attempt_over(task, retry) or self._server is None:
                    return
                event = await queue.get()
                if event is None:
                    return
            if isinstance(event, TaskLog) and event.task == task and event.retry == retry:
                await _send(writer, {"line": event.line})

    def _attempt_over(self, task: str, retry: int) -> bool:
        snap = self.execution.snapshot
        state = snap.tasks[task]
        return snap.finished or state.retries > retry or state.status.finished


async def _send(writer: asyncio.StreamWriter, message: dict[str, Any]) -> None:
    writer.write(json.dumps(message).encode() + b"\n")
    await writer.drain()
