"""Into a running task: `exec` (a shell or a command, interactive on a terminal, plain when
piped) and `port-forward` (local ports to the task's), on Docker or Kubernetes through their
APIs. One implementation for `osmo-tui workflow exec|port-forward` and the app's `s` and `p`.

`Target` (from `simulator.run.locate`) says where the task is; this module talks to the engine or
the API server directly, never through a CLI.
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import termios
import threading
import tty
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from simulator.engine.port import Target
from simulator.errors import OsmoTuiError, UsageError

DEFAULT_ENTRY = "/bin/bash"
"""OSMO's default `--entry`; a container without bash gets `sh` (see `entry_argv`)."""
TASK_ENDED = "the task ended while the shell was open"


class TaskEnded(OsmoTuiError):
    """The task's container stopped under an open exec or forward."""


class ConnectionLost(OsmoTuiError):
    """The exec's connection ended without an exit status while the task still runs."""


class Channel(Protocol):
    def fileno(self) -> int: ...
    def pending(self) -> bool: ...
    def read(self) -> list[tuple[int, bytes]] | None: ...
    def write(self, data: bytes) -> None: ...
    def close_stdin(self) -> None: ...
    def resize(self, rows: int, cols: int) -> None: ...
    def exit_code(self) -> int | None: ...
    def target_running(self) -> bool: ...
    def close(self) -> None: ...


def open_exec(target: Target, argv: list[str], tty_mode: bool) -> Channel:
    """Start `argv` in the target's container; its stdio as a `Channel`."""
    env = {"TERM": os.environ.get("TERM", "xterm")} if tty_mode else {}
    if target.backend == "docker":
        from simulator.backends.docker.attach import DockerExec

        return DockerExec(target, argv, tty_mode, env)
    if target.backend == "kubernetes":
        from simulator.backends.kubernetes.attach import KubeExec

        return KubeExec(target, argv, tty_mode, env)
    raise OsmoTuiError(f"no container on the {target.backend} backend")


def entry_argv(entry: str) -> list[str]:
    """`--entry CMD`: a program and its words (shell quoting); OSMO's default bash falls back to
    sh in images without it."""
    import shlex

    words = shlex.split(entry)
    if not words:
        raise UsageError("--entry is empty")
    if entry == DEFAULT_ENTRY:
        return ["/bin/sh", "-c", "if command -v bash >/dev/null; then exec bash; fi; exec sh"]
    return words


def run_exec(
    target: Target,
    argv: list[str],
    *,
    stdin: int = 0,
    stdout: int = 1,
    stderr: int = 2,
    interactive: bool | None = None,
) -> int:
    """Run `argv` in the task; its exit code. Interactive (raw terminal, window size followed)
    when `stdin` and `stdout` are terminals, else plain: stdin is copied in until its end.
    `TaskEnded` when the container stopped under it."""
    if interactive is None:
        interactive = os.isatty(stdin) and os.isatty(stdout)
    channel = open_exec(target, argv, interactive)
    saved = None
    try:
        if interactive:
            saved = termios.tcgetattr(stdin)
            tty.setraw(stdin)
        _pump(channel, stdin, stdout, stderr, interactive)
        code = channel.exit_code()
        if (code is None or code in (137, 143)) and _target_stops(channel):
            raise TaskEnded(TASK_ENDED)
        if code is None:
            raise ConnectionLost("the connection to the task was lost")
        return code
    finally:
        if saved is not None:
            termios.tcsetattr(stdin, termios.TCSADRAIN, saved)
        channel.close()


def _target_stops(channel: Channel, wait: float = 3.0) -> bool:
    """The command was killed or cut off: did its container stop (the engine may say so a
    moment after the stream ends)?"""
    import time

    deadline = time.monotonic() + wait
    while channel.target_running():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def _pump(channel: Channel, stdin: int, stdout: int, stderr: int, interactive: bool) -> None:
    size = (-1, -1)
    reading = True
    sock = channel.fileno()
    while True:
        if interactive:
            now = _window(stdout)
            if now != size and now[0] > 0:
                size = now
                channel.resize(*now)
        watched = [sock, stdin] if reading else [sock]
        ready = [sock] if channel.pending() else select.select(watched, [], [], 0.25)[0]
        if stdin in ready:
            data = _read(stdin)
            if data:
                channel.write(data)
            else:
                reading = False
                channel.close_stdin()
        if sock in ready or not ready:
            chunks = channel.read() if sock in ready else []
            if chunks is None:
                return
            for stream, data in chunks:
                _write_all(stderr if stream == 2 and not interactive else stdout, data)


def _read(fd: int) -> bytes:
    try:
        return os.read(fd, 65536)
    except OSError:
        return b""


def _write_all(fd: int, data: bytes) -> None:
    while data:
        written = os.write(fd, data)
        data = data[written:]


def _window(fd: int) -> tuple[int, int]:
    try:
        size = os.get_terminal_size(fd)
    except OSError:
        return (-1, -1)
    return (size.lines, size.columns)


# --- port-forward ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PortPair:
    local: int
    remote: int


def parse_ports(text: str) -> list[PortPair]:
    """OSMO's `--port`: `L[:R]` or ranges `L1-L2[:R1-R2]`, comma separated (right ends inclusive)."""
    pairs: list[PortPair] = []
    for part in text.split(","):
        local, _, remote = part.strip().partition(":")
        lows, remotes = _range(local, text), _range(remote or local, text)
        if len(lows) != len(remotes):
            raise UsageError(f"--port {text!r}: {part!r} maps ranges of different lengths")
        pairs += [PortPair(lo, re) for lo, re in zip(lows, remotes, strict=True)]
    if len({p.local for p in pairs}) != len(pairs):
        raise UsageError(f"--port {text!r}: a local port is given twice")
    return pairs


def _range(text: str, whole: str) -> list[int]:
    first, dash, last = text.partition("-")
    try:
        low, high = int(first), int(last if dash else first)
    except ValueError:
        raise UsageError(f"--port {whole!r}: {text!r} is not a port or a range") from None
    if not 1 <= low <= high <= 65535:
        raise UsageError(f"--port {whole!r}: ports are 1..65535, a range low-high")
    return list(range(low, high + 1))


Dial = Callable[[int], socket.socket]


class Forwarder:
    """Listens on `host` at each local port, connects every accepted connection (or each UDP
    peer) to the task's port; one thread; `stop()` closes everything. `stopped` says why it
    ended when it ended by itself (the task ended)."""

    def __init__(
        self,
        target: Target,
        pairs: list[PortPair],
        *,
        host: str = "localhost",
        udp: bool = False,
        alive: Callable[[], str | None] | None = None,
    ) -> None:
        if udp and target.backend == "kubernetes":
            raise UsageError(
                "--udp: the Kubernetes API's port-forward carries TCP only (no UDP forward)"
            )
        self.target, self.pairs, self.host, self.udp = target, pairs, host, udp
        self._alive = alive
        self._listeners: dict[socket.socket, PortPair] = {}
        self._peers: dict[socket.socket, socket.socket] = {}
        self._udp_up: dict[tuple[socket.socket, tuple[str, int]], socket.socket] = {}
        self._udp_back: dict[socket.socket, tuple[socket.socket, tuple[str, int]]] = {}
        self._stop_r, self._stop_w = os.pipe()
        self._thread: threading.Thread | None = None
        self._dialer: object | None = None
        self._address = ""
        self.stopped = ""
        self.errors: list[str] = []

    def start(self) -> None:
        """Bind every local port (a taken one: nothing stays bound), then serve in a thread."""
        if self.target.backend == "docker":
            from simulator.backends.docker.attach import container_address

            self._address = container_address(self.target)
        elif self.target.backend == "kubernetes":
            from simulator.backends.kubernetes.attach import KubeDialer

            self._dialer = KubeDialer(self.target)
        else:
            raise OsmoTuiError(f"no container on the {self.target.backend} backend")
        try:
            for pair in self.pairs:
                self._listeners[self._bind(pair)] = pair
        except BaseException:
            self._close_all()
            raise
        self._thread = threading.Thread(target=self._serve, name="osmo-port-forward", daemon=True)
        self._thread.start()

    def lines(self) -> list[str]:
        """What is forwarded, as `Forwarding from 127.0.0.1:8080 -> 80`."""
        kind = "/udp" if self.udp else ""
        out = []
        for sock, pair in self._listeners.items():
            where = sock.getsockname()
            out.append(f"Forwarding from {where[0]}:{where[1]}{kind} -> {pair.remote}")
        return out

    def _bind(self, pair: PortPair) -> socket.socket:
        kind = socket.SOCK_DGRAM if self.udp else socket.SOCK_STREAM
        try:
            infos = socket.getaddrinfo(self.host, pair.local, socket.AF_UNSPEC, kind)
        except socket.gaierror as exc:
            raise UsageError(f"--host {self.host!r}: {exc.strerror}") from None
        family, _, _, _, address = infos[0]
        sock = socket.socket(family, kind)
        try:
            if not self.udp:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(address)
            if not self.udp:
                sock.listen(16)
        except OSError as exc:
            sock.close()
            raise OsmoTuiError(
                f"local port {pair.local} on {self.host} is not available: {exc.strerror}"
            ) from None
        return sock

    def _dial(self, port: int) -> socket.socket:
        if self._dialer is not None:
            from simulator.backends.kubernetes.attach import KubeDialer

            assert isinstance(self._dialer, KubeDialer)
            return self._dialer.dial(port)
        return socket.create_connection((self._address, port), timeout=10)

    def wait(self, timeout: float | None = None) -> bool:
        """Until the forward ends by itself (True) or `timeout` passes (False)."""
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def stop(self) -> None:
        """Stop serving and close every socket; idempotent."""
        with contextlib.suppress(OSError):
            os.write(self._stop_w, b"x")
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(10)
        self._close_all()

    def _close_all(self) -> None:
        socks = [*self._listeners, *self._peers, *self._udp_back]
        for sock in socks:
            with contextlib.suppress(OSError):
                sock.close()
        self._listeners.clear()
        self._peers.clear()
        self._udp_up.clear()
        self._udp_back.clear()
        closer = getattr(self._dialer, "close", None)
        if closer is not None:
            closer()
        for fd in (self._stop_r, self._stop_w):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._stop_r = self._stop_w = -1

    def _serve(self) -> None:
        import time

        checked = time.monotonic()
        while True:
            socks = [*self._listeners, *self._peers, *self._udp_back]
            fds = [self._stop_r, *(s.fileno() for s in socks)]
            try:
                ready = select.select(fds, [], [], 1.0)[0]
            except (OSError, ValueError):
                return
            if self._stop_r in ready:
                return
            for sock in socks:
                if sock.fileno() in ready:
                    self._ready(sock)
            if self._alive is not None and time.monotonic() - checked >= 1.0:
                checked = time.monotonic()
                why = self._alive()
                if why:
                    self.stopped = why
                    return

    def _ready(self, sock: socket.socket) -> None:
        if sock in self._listeners:
            if self.udp:
                self._udp_in(sock)
            else:
                self._accept(sock)
        elif sock in self._peers:
            self._relay(sock)
        elif sock in self._udp_back:
            self._udp_out(sock)

    def _accept(self, listener: socket.socket) -> None:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        pair = self._listeners[listener]
        try:
            upstream = self._dial(pair.remote)
        except (OSError, OsmoTuiError) as exc:
            self.errors.append(f"port {pair.remote}: {exc}")
            conn.close()
            return
        upstream.settimeout(None)
        self._peers[conn] = upstream
        self._peers[upstream] = conn

    def _relay(self, sock: socket.socket) -> None:
        other = self._peers.get(sock)
        try:
            data = sock.recv(65536)
        except OSError:
            data = b""
        if data and other is not None:
            try:
                other.sendall(data)
                return
            except OSError:
                pass
        for end in (sock, other):
            if end is not None:
                self._peers.pop(end, None)
                with contextlib.suppress(OSError):
                    end.close()

    def _udp_in(self, listener: socket.socket) -> None:
        try:
            data, peer = listener.recvfrom(65536)
        except OSError:
            return
        key = (listener, peer)
        upstream = self._udp_up.get(key)
        if upstream is None:
            pair = self._listeners[listener]
            upstream = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            upstream.connect((self._address, pair.remote))
            self._udp_up[key] = upstream
            self._udp_back[upstream] = key
        with contextlib.suppress(OSError):
            upstream.send(data)

    def _udp_out(self, upstream: socket.socket) -> None:
        listener, peer = self._udp_back[upstream]
        with contextlib.suppress(OSError):
            listener.sendto(upstream.recv(65536), peer)
