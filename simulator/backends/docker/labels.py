"""Labels on every container, network and volume a run creates, and who owns a run (pid check).

`osmo-tui gc` and the next start find what a killed process (`kill -9`) left by these labels: a
run is stale when the process named by its pid label is gone on this host (or is another process
that reused the pid, caught by comparing its start time).
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

PREFIX = "org.osmo-tui"
RUN = f"{PREFIX}.run"
"""Run id (the run store directory name); present on everything we create."""
RUN_DIR = f"{PREFIX}.run-dir"
CONTROL_DIR = f"{PREFIX}.control-dir"
"""The run's private temp dir (barrier FIFOs, wrapper, files); gc removes it with the run."""
WORKFLOW_ID = f"{PREFIX}.workflow-id"
PID = f"{PREFIX}.pid"
PID_START = f"{PREFIX}.pid-start"
HOST = f"{PREFIX}.host"
GROUP = f"{PREFIX}.group"
TASK = f"{PREFIX}.task"
RETRY = f"{PREFIX}.retry"


def process_start(pid: int) -> str:
    """The kernel's start time of `pid` (clock ticks since boot), '' when it does not exist."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    # the command name (field 2) may contain spaces: split after its closing parenthesis
    return stat.rpartition(")")[2].split()[19]


def owner_labels() -> dict[str, str]:
    """Who owns what this process creates."""
    pid = os.getpid()
    return {PID: str(pid), PID_START: process_start(pid), HOST: socket.gethostname()}


def owner_alive(labels: dict[str, str]) -> bool:
    """Whether the process that created an object still runs (other hosts: assume it does)."""
    host = labels.get(HOST, "")
    if host and host != socket.gethostname():
        return True
    try:
        pid = int(labels.get(PID, ""))
    except ValueError:
        return False
    start = process_start(pid)
    return bool(start) and start == labels.get(PID_START, start)
