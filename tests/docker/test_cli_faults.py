"""`osmo-tui run --backend docker --headless` as a user runs it, interrupted, killed, and with the
Docker engine stopping under it: each ends cleanly and leaves no container or network behind."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

from simulator.backends.docker import gc
from tests.docker.conftest import SERVICE_SCRIPT

pytestmark = pytest.mark.docker

LONG = """
workflow:
  name: long
  groups:
  - name: g
    tasks:
    - name: lead
      lead: true
      image: ubuntu:24.04
      command: [sh, -c, 'echo started; echo partial > {{output}}/x; sleep 300']
    - name: stubborn
      image: ubuntu:24.04
      command: [sh, -c, 'trap "" TERM; echo started; sleep 300']
"""

SHORT = """
workflow:
  name: short
  tasks:
  - name: hello
    image: ubuntu:24.04
    command: [sh, -c, 'echo hello']
"""


def _runs() -> Path:
    runs = Path(os.environ["OSMO_TUI_RUNS_DIR"]).resolve()
    assert runs.is_absolute()
    return runs


def _ours(client: Any) -> list[gc.Leftover]:
    """Objects of runs recorded in this test's private run store."""
    root = str(_runs())
    return [item for item in gc.find_leftovers(client) if item.run_dir.startswith(root)]


def _cli(tmp_path: Path, text: str, *args: str, name: str = "wf.yaml") -> subprocess.Popen[str]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    cmd = [sys.executable, "-m", "osmo_tui.cli.main", "run", str(path), "--backend", "docker"]
    return subprocess.Popen(
        [*cmd, "--headless", *args],
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _gc(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`osmo-tui gc` (Docker, this user's leftovers) in its own process."""
    argv = [sys.executable, "-m", "osmo_tui.cli.main", "gc", *args]
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)


def _wait_running(proc: subprocess.Popen[str], tasks: int, timeout: float = 60) -> Path:
    """The run dir, once `tasks` commands are running (read from its events.jsonl)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        for events in _runs().glob("*/events.jsonl"):
            lines = events.read_text().splitlines()
            if sum('"kind":"task_running"' in line for line in lines) >= tasks:
                return events.parent
        time.sleep(0.2)
    proc.kill()
    raise AssertionError(f"no {tasks} running tasks within {timeout}s: {proc.communicate()}")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_interrupt_mid_run_removes_everything(
    docker_client: Any, tmp_path: Path, sig: signal.Signals
) -> None:
    proc = _cli(tmp_path, LONG)
    run_dir = _wait_running(proc, 2)
    assert _ours(docker_client)  # the containers and the network exist
    log = run_dir / "logs" / "lead.log"
    deadline = time.monotonic() + 20
    while not (log.is_file() and log.read_text() == "started\n"):  # written as it happens
        assert time.monotonic() < deadline, "no live log line within 20 s"
        time.sleep(0.1)
    started = time.monotonic()
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, err  # the workflow ended canceled (a failed status)
    assert "osmo-tui: interrupted: workflow canceled, backend cleaned up" in err
    assert "Traceback" not in err
    assert time.monotonic() - started < 30  # `stubborn` ignores SIGTERM: SIGKILL after grace
    assert _ours(docker_client) == []
    assert not (run_dir / "outputs" / "lead").exists()  # a killed attempt keeps no outputs
    kinds = [json.loads(line)["kind"] for line in (run_dir / "events.jsonl").open()]
    assert "cancel_requested" in kinds
    assert (run_dir / "logs" / "lead.log").read_text() == "started\n"
    report = json.loads((run_dir / "report.json").read_text())
    assert report["workflow"]["status"] == "FAILED_CANCELED"
    assert {t["status"] for t in report["tasks"].values()} == {"FAILED_CANCELED"}


def test_sigkill_leftovers_are_removed_by_gc(docker_client: Any, tmp_path: Path) -> None:
    proc = _cli(tmp_path, LONG)
    run_id = _wait_running(proc, 2).name
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    control = list(Path(tempfile.gettempdir()).glob(f"osmo-tui-{run_id}-*"))
    assert len(control) == 1  # the killed run's private temp dir (FIFOs, wrapper)
    left = _ours(docker_client)
    assert {item.kind for item in left} == {"container", "network"}
    assert not any(item.live for item in left)  # its process is gone: stale
    dry = _gc("--dry-run", timeout=60)
    assert dry.returncode == 0, dry.stderr
    assert "would remove container osmo-tui-" in dry.stdout
    assert len(_ours(docker_client)) == len(left)
    done = _gc()
    assert done.returncode == 0, done.stderr
    assert f"removed {len(left)} objects" in done.stdout.splitlines()[-1]
    assert _ours(docker_client) == []
    assert not control[0].exists()


def test_sigkill_leftovers_are_removed_by_the_next_start(
    docker_client: Any, tmp_path: Path
) -> None:
    proc = _cli(tmp_path, LONG)
    killed = _wait_running(proc, 2).name
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    assert _ours(docker_client)
    control = list(Path(tempfile.gettempdir()).glob(f"osmo-tui-{killed}-*"))
    assert len(control) == 1
    nxt = _cli(tmp_path, SHORT, name="short.yaml")
    out, err = nxt.communicate(timeout=120)
    assert nxt.returncode == 0, err
    assert re.search(rf"removed [3-9] leftovers of killed runs: {re.escape(killed)}", out), out
    assert _ours(docker_client) == []
    assert not control[0].exists()


def _dockerd_pid() -> int:
    return int(Path("/var/run/docker.pid").read_text().strip())


def _start_dockerd() -> None:
    """Start the engine again with the service script (no apt: it is installed already)."""
    proc = subprocess.run(
        ["bash", str(SERVICE_SCRIPT)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "OSMO_TUI_SKIP_APT": "1"},
        check=False,
    )
    assert proc.returncode == 0, proc.stderr


@pytest.fixture
def restart_dockerd(docker_client: Any) -> Any:
    """Restarts the engine after the test, with the service script, whatever happened."""
    if os.geteuid() != 0 or not Path("/var/run/docker.pid").is_file():
        pytest.skip("stopping dockerd needs root and the dockerd of scripts/services/docker.sh")
    yield
    _start_dockerd()
    docker_client.ping()


def test_dockerd_stopping_mid_run_is_failed_backend_error(
    docker_client: Any, tmp_path: Path, restart_dockerd: Any
) -> None:
    proc = _cli(tmp_path, LONG, "--json")
    run_dir = _wait_running(proc, 2)
    pid = _dockerd_pid()
    os.kill(pid, signal.SIGTERM)
    out, err = proc.communicate(timeout=120)  # never a hang
    assert proc.returncode == 1, err
    report = json.loads(out)
    # The lead is FAILED_BACKEND_ERROR (3001); as on OSMO the group and workflow collapse it to
    # FAILED (SPEC §6.4). The sibling is either lost too or stopped because the lead ended.
    lead, sibling = report["tasks"]["lead"], report["tasks"]["stubborn"]
    assert (lead["status"], lead["exit_code"]) == ("FAILED_BACKEND_ERROR", 3001), report
    assert lead["message"] in (
        "Lost the Docker engine: the connection to it was lost (was dockerd stopped?).",
        "Lost the Docker engine: it shut down and stopped the container.",
    )
    assert sibling["status"] in ("FAILED_BACKEND_ERROR", "FAILED"), sibling
    assert report["workflow"]["status"] == "FAILED"
    assert "Traceback" not in err
    # Start the engine again: the stopped containers it kept are the run's leftovers, marked
    # abandoned (the run could not remove them), so gc takes them although pytest still runs.
    _start_dockerd()
    assert (run_dir / gc.ABANDONED_MARKER).exists() or _ours(docker_client) == []
    done = _gc()
    assert done.returncode == 0, done.stderr
    assert _ours(docker_client) == []
