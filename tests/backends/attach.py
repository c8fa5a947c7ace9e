"""`workflow exec` and `workflow port-forward` against a live run, each verb its own process as
a user types it; the same cases on every backend with containers (tests/docker/test_attach.py,
tests/kubernetes/test_attach.py): piped and interactive (a pty) exec, a TCP round trip through a
forward, and the faults (unknown task, not running yet, port taken, the task ending under a
shell, a cancel under a forward, an ended task)."""

from __future__ import annotations

import os
import pty
import select
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

from tests.docker.test_workflow_verbs import VERB, _osmo, _until


def workflow(image: str) -> str:
    return f"""
workflow:
  name: att
  resources:
    default: {{cpu: 1, memory: 256Mi}}
  groups:
  - name: g
    tasks:
    - name: web
      lead: true
      image: {image}
      command: [sh, -c, 'mkdir -p /www; echo hello-from-web > /www/index.html; httpd -f -p 8080 -h /www']
    - name: brief
      image: {image}
      command: [sh, -c, 'while [ ! -f /tmp/stop ]; do sleep 0.2; done']
  - name: after
    tasks:
    - name: later
      image: {image}
      command: [sh, -c, 'true']
      inputs: [{{task: web}}]
"""


def failing(image: str) -> str:
    return f"""
workflow:
  name: crash
  resources:
    default: {{cpu: 1, memory: 256Mi}}
  tasks:
  - name: boom
    image: {image}
    command: [sh, -c, 'echo "state at failure" > /tmp/debug.txt; exit 7']
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _port_free(port: int) -> bool:
    """Nothing listens there any more (connections of the past may linger in TIME_WAIT)."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    except ConnectionRefusedError:
        return True
    return False


def _interruptible() -> None:
    """Ctrl-C reaches the child even when the tests run in the background (SIGINT ignored)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _forward(cwd: Path, port: int) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [*VERB, "port-forward", "att-1", "web", "--port", f"{port}:8080"],
        cwd=cwd, env=dict(os.environ), stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=_interruptible,
    )  # fmt: skip
    assert proc.stdout is not None
    assert proc.stdout.readline() == f"Forwarding from 127.0.0.1:{port} -> 8080\n"
    return proc


def live_scenario(cwd: Path, image: str, backend_args: list[str]) -> dict[str, Any]:
    """Submit the `att` workflow, then every exec and forward case against it; its final query."""
    (cwd / "att.yaml").write_text(workflow(image))
    submit = _osmo("submit", "att.yaml", *backend_args, cwd=cwd)
    assert submit.returncode == 0, submit.stderr
    try:
        # The tasks of a group start together, but each reports RUNNING when its own container
        # does: wait for both, in whichever order they come.
        _until(
            "att-1",
            cwd,
            lambda a: {a["tasks"][t]["status"] for t in ("web", "brief")} == {"RUNNING"},
            timeout=180,
        )
        _exec_piped(cwd)
        _exec_interactive(cwd)
        _exec_faults(cwd)
        _forward_round_trip_and_port_taken(cwd)
        _shell_open_when_the_task_ends(cwd)
        _until("att-1", cwd, lambda a: a["tasks"]["brief"]["status"] == "COMPLETED", timeout=60)
        group = _osmo("exec", "att-1", "--group", "g", "--entry", "hostname", cwd=cwd)
        assert (group.returncode, group.stdout) == (0, "--- web\nweb\n"), (
            group.stderr
        )  # brief ended
        _cancel_under_a_forward(cwd)
        ended = _osmo("exec", "att-1", "web", "--entry", "true", cwd=cwd)
        assert ended.returncode == 1
        assert ended.stderr == (
            "osmo-tui: task web has ended (FAILED_CANCELED): its container is gone\n"
        )
    finally:
        _osmo("cancel", "att-1", cwd=cwd)
        final = _until("att-1", cwd, lambda a: not a["live"], timeout=180)
    assert final["workflow"]["status"] == "FAILED_CANCELED"
    return final


def _exec_piped(cwd: Path) -> None:
    """stdin to its end, stdout and stderr apart, the exit code propagated."""
    result = subprocess.run(
        [*VERB, "exec", "att-1", "web", "--entry", "sh -c 'cat; cat /www/index.html; echo oops >&2; exit 3'"],
        cwd=cwd, input="piped line\n", capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert (result.returncode, result.stdout, result.stderr) == (
        3,
        "piped line\nhello-from-web\n",
        "oops\n",
    )


def _exec_interactive(cwd: Path) -> None:
    """On a terminal: a tty in the container, our window size, the shell's exit code."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: the verb, its terminal the pty
        os.chdir(cwd)
        os.execv(VERB[0], [*VERB, "exec", "att-1", "web"])
    try:
        import fcntl
        import struct
        import termios

        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 33, 101, 0, 0))
        _read_until(fd, b"# ")  # the shell's prompt: it reads what is typed from now on
        os.write(fd, b"stty size; tty; echo MARK-$((6*7))\r")
        seen = _read_until(fd, b"MARK-42\r\n")
        assert b"33 101\r\n" in seen and b"/dev/pts/" in seen, seen
        os.write(fd, b"exit 5\r")
        _read_until(fd, b"")  # to its end
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 5
    finally:
        close_pty_child(pid, fd)


def close_pty_child(pid: int, fd: int) -> None:
    """Close a pty-forked child's terminal and make sure it is gone (a failed test included)."""
    os.close(fd)
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass


def _read_until(fd: int, token: bytes, timeout: float = 60) -> bytes:
    seen, deadline = b"", time.monotonic() + timeout
    while time.monotonic() < deadline:
        if token and token in seen:
            return seen
        if select.select([fd], [], [], 0.2)[0]:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the child closed the terminal
                return seen
            if not chunk:
                return seen
            seen += chunk
    raise AssertionError(f"no {token!r} in ...{seen[-300:]!r}")


def _exec_faults(cwd: Path) -> None:
    cases = {
        ("exec", "att-1", "nope"): "osmo-tui: no task 'nope' in workflow att-1\n",
        ("exec", "att-1", "later", "--connect-timeout", "0"): (
            "osmo-tui: task later is not running yet (WAITING)\n"
        ),
        (
            "port-forward",
            "att-1",
            "nope",
            "--port",
            "1",
        ): "osmo-tui: no task 'nope' in workflow att-1\n",
        ("exec", "att-1", "web", "--group", "after"): (
            "osmo-tui: task 'web' is in group 'g', not 'after'\n"
        ),
    }
    for args, message in cases.items():
        result = _osmo(*args, cwd=cwd)
        assert (result.returncode, result.stderr) == (1, message), args
    bad = _osmo("port-forward", "att-1", "web", "--port", "9-8", cwd=cwd)
    assert bad.returncode == 2 and len(bad.stderr.splitlines()) == 1


def _forward_round_trip_and_port_taken(cwd: Path) -> None:
    port = _free_port()
    proc = _forward(cwd, port)
    try:
        for _ in range(2):  # two connections through one forward
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as answer:
                assert answer.read() == b"hello-from-web\n"
        taken = _osmo("port-forward", "att-1", "web", "--port", f"{port}:8080", cwd=cwd)
        assert taken.returncode == 1
        assert taken.stderr == (
            f"osmo-tui: local port {port} on localhost is not available: Address already in use\n"
        )
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)
    assert proc.returncode == 0
    assert _port_free(port)


def _shell_open_when_the_task_ends(cwd: Path) -> None:
    """A shell open in `brief` when it ends (the shell itself makes it end): one line, exit 1."""
    result = subprocess.run(
        [*VERB, "exec", "att-1", "brief", "--entry", "sh -c 'touch /tmp/stop; sleep 120'"],
        cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=90, check=False,
    )  # fmt: skip
    assert (result.returncode, result.stderr) == (
        1,
        "osmo-tui: the task ended while the shell was open\n",
    ), (result.returncode, result.stderr)


def _cancel_under_a_forward(cwd: Path) -> None:
    port = _free_port()
    proc = _forward(cwd, port)
    try:
        cancel = _osmo("cancel", "att-1", cwd=cwd)
        assert cancel.returncode == 0, cancel.stderr
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 1
    assert err == (
        "osmo-tui: port-forward stopped: task web has ended (FAILED_CANCELED): its container is gone\n"
    )
    assert _port_free(port)
