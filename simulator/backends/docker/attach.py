"""`workflow exec` and `port-forward` on Docker, through the engine's API: an exec instance on
the task's container (`exec_create`/`exec_start(socket=True)`, `exec_resize`, `exec_inspect`),
and forwards dialled to the container's address on its network."""

from __future__ import annotations

import contextlib
import socket
from typing import Any

from simulator.engine.port import Target
from simulator.errors import OsmoTuiError

_HEADER = 8
"""Without a tty the exec's output is multiplexed: [stream, 0, 0, 0, size (4 bytes BE)] frames."""


def _client(target: Target) -> Any:
    from simulator.backends.docker.client import connect

    return connect(target.base_url or None, timeout=30, pool_size=2)


def _why(exc: Exception) -> str:
    explanation = getattr(exc, "explanation", None)
    return str(explanation or exc).rstrip(".")


class DockerExec:
    """One command run in the container, its stdio on a hijacked socket of the engine."""

    def __init__(self, target: Target, argv: list[str], tty: bool, env: dict[str, str]) -> None:
        import docker.errors

        self.tty = tty
        self.target = target
        self.client = _client(target)
        api = self.client.api
        try:
            created = api.exec_create(
                target.name, argv, stdin=True, tty=tty, environment=env or None
            )
            self.exec_id = str(created["Id"])
            self._raw = api.exec_start(self.exec_id, socket=True, tty=tty)
        except docker.errors.NotFound:
            self.client.close()
            raise OsmoTuiError("the task's container is gone") from None
        except docker.errors.APIError as exc:
            self.client.close()
            raise OsmoTuiError(f"cannot exec in the task's container: {_why(exc)}") from None
        self.sock: socket.socket = getattr(self._raw, "_sock", self._raw)
        self._buffer = bytearray()

    def fileno(self) -> int:
        return self.sock.fileno()

    def read(self) -> list[tuple[int, bytes]] | None:
        """What is there now as (1 stdout | 2 stderr, bytes); None at the end of the stream."""
        try:
            data = self.sock.recv(65536)
        except (ConnectionError, OSError):
            data = b""
        if not data:
            return None
        if self.tty:
            return [(1, data)]
        self._buffer += data
        chunks = []
        while len(self._buffer) >= _HEADER:
            size = int.from_bytes(self._buffer[4:8], "big")
            if len(self._buffer) < _HEADER + size:
                break
            stream = 2 if self._buffer[0] == 2 else 1
            chunks.append((stream, bytes(self._buffer[_HEADER : _HEADER + size])))
            del self._buffer[: _HEADER + size]
        return chunks

    def pending(self) -> bool:
        return False

    def write(self, data: bytes) -> None:
        self.sock.sendall(data)

    def close_stdin(self) -> None:
        """Half-close: the command reads the end of its input."""
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_WR)

    def resize(self, rows: int, cols: int) -> None:
        with contextlib.suppress(Exception):
            self.client.api.exec_resize(self.exec_id, height=rows, width=cols)

    def exit_code(self) -> int | None:
        """The command's exit code (None: it still runs, or the engine does not know)."""
        import time

        for _ in range(20):  # the engine records the exit a moment after the stream ends
            try:
                info = self.client.api.exec_inspect(self.exec_id)
            except Exception:
                return None
            if not info.get("Running") and info.get("ExitCode") is not None:
                return int(info["ExitCode"])
            time.sleep(0.05)
        return None

    def target_running(self) -> bool:
        try:
            state = self.client.api.inspect_container(self.target.name)["State"]
        except Exception:
            return False
        return bool(state.get("Running"))

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()
        with contextlib.suppress(Exception):
            self._raw.close()
        with contextlib.suppress(Exception):
            self.client.close()


def container_address(target: Target) -> str:
    """The container's IP on its network (127.0.0.1 for a host-network one)."""
    import docker.errors

    client = _client(target)
    try:
        info = client.api.inspect_container(target.name)
    except docker.errors.NotFound:
        raise OsmoTuiError("the task's container is gone") from None
    finally:
        client.close()
    settings = info.get("NetworkSettings") or {}
    if (info.get("HostConfig") or {}).get("NetworkMode") == "host":
        return "127.0.0.1"
    for network in (settings.get("Networks") or {}).values():
        if network.get("IPAddress"):
            return str(network["IPAddress"])
    if settings.get("IPAddress"):
        return str(settings["IPAddress"])
    raise OsmoTuiError("the task's container has no network address")


def container_running(target: Target) -> bool:
    client = _client(target)
    try:
        return bool(client.api.inspect_container(target.name)["State"].get("Running"))
    except Exception:
        return False
    finally:
        client.close()
