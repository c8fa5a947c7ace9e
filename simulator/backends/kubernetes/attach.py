"""`workflow exec` and `port-forward` on Kubernetes, through the API server: the pod's `exec`
subresource (`kubernetes.stream.stream`, v5 channels: stdin close, resize on channel 4) and its
`portforward` subresource (`kubernetes.stream.portforward`; TCP only)."""

from __future__ import annotations

import contextlib
import json
import socket
from typing import Any

from simulator.engine.port import Target
from simulator.errors import OsmoTuiError

STDOUT, STDERR, ERROR, RESIZE = 1, 2, 3, 4


def _core(target: Target) -> Any:
    from kubernetes import client

    from simulator.backends.kubernetes.cluster import connect

    conn = connect(target.kubeconfig or None, target.context or None, target.namespace or None)
    return client.CoreV1Api(conn.api)


def kept_pod_has_ended(target: Target) -> None:
    """A failed pod kept by --keep-failed: its container has ended, nothing can enter it."""
    if target.kept:
        raise OsmoTuiError(
            f"the task's failed pod {target.namespace}/{target.name} is kept (its logs and "
            "status), but its container has ended: Kubernetes cannot exec or forward into it"
        )


def _why(exc: Exception) -> str:
    """The API server's own message (an ApiException's body, a refused websocket's response),
    else the first line of the error."""
    body = getattr(exc, "body", None) or getattr(exc, "resp_body", None)
    if body:
        with contextlib.suppress(ValueError, TypeError, AttributeError):
            return str(json.loads(body).get("message") or body)
    text = str(getattr(exc, "reason", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class KubeExec:
    """One command run in the pod's container over the API server's exec websocket."""

    def __init__(self, target: Target, argv: list[str], tty: bool, env: dict[str, str]) -> None:
        from kubernetes.client.exceptions import ApiException
        from kubernetes.stream import stream

        kept_pod_has_ended(target)
        self.target = target
        self.core = _core(target)
        if env:  # the exec subresource takes no environment: set it through env(1)
            argv = ["env", *(f"{k}={v}" for k, v in env.items()), *argv]
        try:
            self.ws = stream(
                self.core.connect_get_namespaced_pod_exec,
                target.name,
                target.namespace,
                container=target.container or None,
                command=argv,
                stdin=True,
                stdout=True,
                stderr=True,
                tty=tty,
                _preload_content=False,
                binary=True,
            )
        except ApiException as exc:
            raise OsmoTuiError(f"cannot exec in the task's pod: {_why(exc)}") from None
        except Exception as exc:  # websocket handshake refused (400: container not running)
            raise OsmoTuiError(f"cannot exec in the task's pod: {_why(exc)}") from None

    def fileno(self) -> int:
        return int(self.ws.sock.sock.fileno())

    def pending(self) -> bool:
        sock = self.ws.sock.sock
        return bool(getattr(sock, "pending", lambda: 0)())

    def read(self) -> list[tuple[int, bytes]] | None:
        with contextlib.suppress(Exception):
            self.ws.update(timeout=0)
        chunks = []
        for channel in (STDOUT, STDERR):
            data = self.ws.read_channel(channel)
            if data:
                chunks.append((channel, bytes(data)))
        if not chunks and not self.ws.is_open():
            return None
        return chunks

    def write(self, data: bytes) -> None:
        self.ws.write_stdin(data)

    def close_stdin(self) -> None:
        """v5 channels: close stdin (the command reads its end); v4 servers cannot."""
        with contextlib.suppress(Exception):
            self.ws.close_channel(0)

    def resize(self, rows: int, cols: int) -> None:
        with contextlib.suppress(Exception):
            self.ws.write_channel(RESIZE, json.dumps({"Width": cols, "Height": rows}).encode())

    def exit_code(self) -> int | None:
        """From the status on the error channel (None: none came, the connection was cut)."""
        if self.ws.is_open():
            return None
        try:
            status = json.loads(self.ws.read_channel(ERROR) or b"null")
        except ValueError:
            return None
        if not isinstance(status, dict):
            return None
        if status.get("status") == "Success":
            return 0
        for cause in (status.get("details") or {}).get("causes") or []:
            if cause.get("reason") == "ExitCode":
                return int(cause.get("message", 1))
        raise OsmoTuiError(f"the command did not run: {status.get('message') or status}")

    def target_running(self) -> bool:
        return pod_running(self.target, self.core)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.ws.close()
        with contextlib.suppress(Exception):
            self.core.api_client.close()


def pod_running(target: Target, core: Any = None) -> bool:
    """The pod exists and its container runs."""
    own = core is None
    core = core or _core(target)
    try:
        pod = core.read_namespaced_pod(target.name, target.namespace)
    except Exception:
        return False
    finally:
        if own:
            with contextlib.suppress(Exception):
                core.api_client.close()
    if pod.status is None or pod.status.phase != "Running":
        return False
    statuses = pod.status.container_statuses or []
    return any(s.state is not None and s.state.running is not None for s in statuses)


class KubeDialer:
    """Opens one API port-forward per connection to the pod's port."""

    def __init__(self, target: Target) -> None:
        kept_pod_has_ended(target)
        self.target = target
        self.core = _core(target)
        self._open: list[Any] = []

    def dial(self, port: int) -> socket.socket:
        from kubernetes.stream import portforward

        try:
            forward = portforward(
                self.core.connect_get_namespaced_pod_portforward,
                self.target.name,
                self.target.namespace,
                ports=str(port),
            )
        except Exception as exc:
            raise OsmoTuiError(f"cannot forward to the task's pod: {_why(exc)}") from None
        self._open.append(forward)
        sock: socket.socket = forward.socket(port)._socket
        sock.setblocking(True)
        return sock

    def close(self) -> None:
        for forward in self._open:
            with contextlib.suppress(Exception):
                forward.close()
        self._open.clear()
        with contextlib.suppress(Exception):
            self.core.api_client.close()
