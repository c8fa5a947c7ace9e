"""`workflow exec` and `workflow port-forward` on live Docker runs, each verb its own process as a
user types it: piped and interactive (a pty) exec, a TCP round trip through a forward, the faults
(unknown task, not running yet, port taken, the task ending under a shell, a cancel under a
forward, an ended task), and `--keep-failed` then exec into the failed task's files, then gc."""

from __future__ import annotations

import contextlib
import json
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

import docker.errors
import pytest

from simulator.pool.platforms import host_arch
from tests.docker.test_workflow_verbs import VERB, _osmo, _until

pytestmark = pytest.mark.docker

IMAGE = f"osmo-tui/base:{host_arch()}"
WORKFLOW = f"""
workflow:
  name: att
  resources:
    default: {{cpu: 1, memory: 256Mi}}
  groups:
  - name: g
    tasks:
    - name: web
      lead: true
      image: {IMAGE}
      command: [sh, -c, 'mkdir -p /www; echo hello-from-web > /www/index.html; httpd -f -p 8080 -h /www']
    - name: brief
      image: {IMAGE}
      command: [sh, -c, 'while [ ! -f /tmp/stop ]; do sleep 0.2; done']
  - name: after
    tasks:
    - name: later
      image: {IMAGE}
      command: [sh, -c, 'true']
      inputs: [{{task: web}}]
"""
FAILING = f"""
workflow:
  name: crash
  resources:
    default: {{cpu: 1, memory: 256Mi}}
  tasks:
  - name: boom
    image: {IMAGE}
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


def _forward(cwd: Path, port: int) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [*VERB, "port-forward", "att-1", "web", "--port", f"{port}:8080"],
        cwd=cwd, env=dict(os.environ), stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    assert proc.stdout.readline() == f"Forwarding from 127.0.0.1:{port} -> 8080\n"
    return proc


def test_exec_and_port_forward_on_a_live_docker_run(docker_client: Any, tmp_path: Path) -> None:
    (tmp_path / "att.yaml").write_text(WORKFLOW)
    submit = _osmo(
        "submit", "att.yaml", "--backend", "docker", "--pull-policy", "never", cwd=tmp_path
    )
    assert submit.returncode == 0, submit.stderr
    try:
        running = _until(
            "att-1", tmp_path, lambda a: a["tasks"]["brief"]["status"] == "RUNNING", timeout=120
        )
        assert running["tasks"]["web"]["status"] == "RUNNING"
        _exec_piped(tmp_path)
        _exec_interactive(tmp_path)
        _exec_faults(tmp_path)
        _forward_round_trip_and_port_taken(tmp_path)
        _shell_open_when_the_task_ends(tmp_path)
        _cancel_under_a_forward(tmp_path)
        ended = _osmo("exec", "att-1", "web", "--entry", "true", cwd=tmp_path)
        assert ended.returncode == 1
        assert ended.stderr == (
            "osmo-tui: task web has ended (FAILED_CANCELED): its container is gone\n"
        )
    finally:
        _osmo("cancel", "att-1", cwd=tmp_path)
        final = _until("att-1", tmp_path, lambda a: not a["live"], timeout=120)
    assert final["workflow"]["status"] == "FAILED_CANCELED"
    run_id = final["run_id"]
    assert not docker_client.containers.list(
        all=True, filters={"label": f"org.osmo-tui.run={run_id}"}
    )


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
    )


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


def test_keep_failed_then_exec_reads_the_failed_tasks_files(
    docker_client: Any, tmp_path: Path
) -> None:
    (tmp_path / "crash.yaml").write_text(FAILING)
    run = subprocess.run(
        [*VERB[:-1], "run", "crash.yaml", "--headless", "--backend", "docker", "--pull-policy",
         "never", "--keep-failed"],
        cwd=tmp_path, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=180,
        check=False,
    )  # fmt: skip
    assert run.returncode == 1 and "FAILED" in run.stdout, run.stderr
    status = json.loads(_osmo("query", "crash-1", "-t", "json", cwd=tmp_path).stdout)
    assert status["tasks"]["boom"]["exit_code"] == 7 and status["live"] is False
    label = f"org.osmo-tui.kept={status['run_id']}"
    ours = docker_client.containers.list(all=True, filters={"label": label})
    try:
        assert len(ours) == 1 and ours[0].status == "running"
        result = _osmo("exec", "crash-1", "boom", "--entry", "cat /tmp/debug.txt", cwd=tmp_path)
        assert (result.returncode, result.stdout) == (0, "state at failure\n"), result.stderr
        image = ours[0].image.id
        gc = subprocess.run(
            [*VERB[:-1], "gc"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert gc.returncode == 0, gc.stderr
        assert f"removing kept container {ours[0].id[:12]}" in gc.stdout
        with pytest.raises(docker.errors.NotFound):
            docker_client.containers.get(ours[0].id)
        with pytest.raises(docker.errors.ImageNotFound):
            docker_client.images.get(image)
        gone = _osmo("exec", "crash-1", "boom", "--entry", "true", cwd=tmp_path)
        assert gone.returncode == 1 and gone.stderr == "osmo-tui: the task's container is gone\n"
    finally:  # gc took it, unless the test failed before
        for container in ours:
            with contextlib.suppress(docker.errors.NotFound):
                container.remove(force=True)
