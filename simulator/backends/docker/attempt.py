"""One attempt of one task on Docker: its state, and the thread that streams its output.

The watcher thread owns the blocking calls (attach stream, wait, inspect) and hands results to
the event loop with `call_soon_threadsafe`; it never emits events itself.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulator.backends.docker.data import safe_rmtree


@dataclass(slots=True)
class Attempt:
    task: str
    retry: int
    group: str
    control_dir: Path | None = None
    """Host dir mounted at /osmo/run; None until the attempt's container is being prepared."""
    control_root: Path | None = None
    """The run's private temp dir every control dir lives in (the only place we delete in)."""
    gpus: list[str] = field(default_factory=list)
    container_id: str | None = None
    fifo: int | None = None
    released: bool = False
    killed: bool = False
    """The engine asked to stop it: it reports nothing more, its outputs are dropped."""
    ended: bool = False
    """Its terminal report (exit or failure) was emitted."""
    stopping: bool = False
    """We asked the container to stop (kill, cleanup, close)."""
    watcher_done: bool = False

    @property
    def key(self) -> str:
        return f"{self.task}#{self.retry}"

    @property
    def live(self) -> bool:
        return not (self.killed or self.ended)

    def close_fifo(self) -> None:
        if self.fifo is not None:
            with contextlib.suppress(OSError):
                os.close(self.fifo)
            self.fifo = None

    def remove_control_dir(self) -> None:
        self.close_fifo()
        if self.control_dir is not None and self.control_root is not None:
            safe_rmtree(self.control_dir, self.control_root)
        self.control_dir = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """How the container ended, as the watcher saw it."""

    exit_code: int | None = None
    oom_killed: bool = False
    terminated: bool = False
    """Our wrapper saw SIGTERM/SIGINT (a stop, ours or someone else's)."""
    error: str = ""
    """The engine failed under us (lost connection, container removed)."""


LineSink = Callable[[str, str], None]
"""(line, stream) from the watcher thread."""


def _split_lines(buffer: bytearray, chunk: bytes, stream: str, sink: LineSink) -> None:
    buffer += chunk
    while True:
        cut = buffer.find(b"\n")
        if cut < 0:
            break
        line = bytes(buffer[:cut]).decode("utf-8", "replace").rstrip("\r")
        del buffer[: cut + 1]
        sink(line, stream)


def open_stream(client: Any, container_id: str) -> Any:
    """Attach to the container's output; call it before the command can start (nothing is lost:
    the wrapper prints nothing before its release)."""
    return client.api.attach(
        container_id, stdout=True, stderr=True, stream=True, logs=True, demux=True
    )


def engine_failure(exc: BaseException) -> str:
    """A short, readable reason for a failed call to the engine (not a urllib3 repr)."""
    import requests

    if isinstance(exc, requests.Timeout):
        return "it stopped answering"
    if isinstance(exc, requests.ConnectionError | ConnectionError | FileNotFoundError):
        return "the connection to it was lost (was dockerd stopped?)"
    return str(exc).rstrip(".") or type(exc).__name__


def watch(client: Any, attempt: Attempt, frames: Any, sink: LineSink) -> Outcome:
    """Stream the container's output line by line until it stops; then its outcome."""
    import docker.errors
    import requests

    buffers = {"stdout": bytearray(), "stderr": bytearray()}
    cid = attempt.container_id
    control = attempt.control_dir
    try:
        for out, err in frames:
            if out:
                _split_lines(buffers["stdout"], out, "stdout", sink)
            if err:
                _split_lines(buffers["stderr"], err, "stderr", sink)
        for stream, rest in buffers.items():
            if rest:
                sink(bytes(rest).decode("utf-8", "replace").rstrip("\r"), stream)
        status = client.api.wait(cid, timeout=60)
        state = client.api.inspect_container(cid)["State"]
    except docker.errors.NotFound:
        return Outcome(error="the container was removed outside osmo-tui")
    except (docker.errors.DockerException, requests.RequestException, OSError) as exc:
        return Outcome(error=f"lost the Docker engine: {engine_failure(exc)}.")
    terminated = control is not None and (control / "terminated").exists()
    return Outcome(
        exit_code=int(status.get("StatusCode", state.get("ExitCode", 0))),
        oom_killed=bool(state.get("OOMKilled")),
        terminated=terminated,
    )
