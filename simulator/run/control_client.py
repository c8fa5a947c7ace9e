"""The client side of a run's control endpoint: one request, its JSON-line answers."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from simulator.errors import OsmoTuiError
from simulator.run.control import socket_address

_TIMEOUT = 10.0


class NotLive(OsmoTuiError):
    """Nothing answers at the run's endpoint: the run has ended (or its process died)."""


def is_live(run_dir: Path) -> bool:
    """True when a process answers at the run's endpoint (a stale socket file is not live)."""
    try:
        with _connect(run_dir):
            return True
    except NotLive:
        return False


def _connect(run_dir: Path) -> socket.socket:
    address = socket_address(run_dir)
    if address is None:
        raise NotLive(f"run {run_dir.name} is not live")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(_TIMEOUT)
    try:
        sock.connect(address)
    except OSError:  # refused (a dead process's socket), gone, or too long a path
        sock.close()
        raise NotLive(f"run {run_dir.name} is not live") from None
    return sock


def stream(
    run_dir: Path, request: dict[str, Any], *, timeout: float | None = _TIMEOUT
) -> Iterator[dict[str, Any]]:
    """Send `request`; yield each answer line until the connection ends."""
    sock = _connect(run_dir)
    sock.settimeout(timeout)
    with sock, sock.makefile("rb") as answers:
        try:
            sock.sendall(json.dumps(request).encode() + b"\n")
            for raw in answers:
                message = json.loads(raw)
                if isinstance(message, dict):
                    yield message
        except ConnectionError:  # the run ended while answering
            raise NotLive(f"run {run_dir.name} ended before answering") from None
        except (OSError, ValueError) as exc:  # a timeout, or not our protocol
            raise OsmoTuiError(f"run {run_dir.name} did not answer: {exc}") from None


def ask(run_dir: Path, request: dict[str, Any]) -> dict[str, Any]:
    """One request, its one answer; an `{"ok": false}` answer is an `OsmoTuiError` (exit 1)."""
    for answer in stream(run_dir, request):
        if not answer.get("ok", False):
            raise OsmoTuiError(str(answer.get("error", "the run refused the request")))
        return answer
    raise NotLive(f"run {run_dir.name} ended before answering")
