"""Where a run's control socket lives: `<run dir>/control.sock`, or a short private path."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path

from simulator.errors import OsmoTuiError

SOCKET_NAME = "control.sock"
_MAX_SUN_PATH = 100
"""AF_UNIX paths are limited to 108 bytes: a longer run dir gets a short socket and a symlink."""


def socket_address(run_dir: Path) -> str | None:
    """Where a client connects for this run (None: nothing was ever opened there)."""
    path = run_dir / SOCKET_NAME
    if path.is_symlink():
        return os.readlink(path)
    return str(path) if path.exists() else None


def short_dir() -> Path:
    """The private directory of the short sockets of long run dirs."""
    return Path(tempfile.gettempdir()) / f"osmo-tui-{os.getuid()}"


def stale_short_sockets() -> list[Path]:
    """Short sockets nobody listens on any more (their run's process died): safe to remove."""
    import socket

    found = []
    for path in sorted(short_dir().glob("*.sock")) if short_dir().is_dir() else []:
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.settimeout(2)
            probe.connect(str(path))
        except OSError:
            found.append(path)
        finally:
            probe.close()
    return found


def bind_address(run_dir: Path) -> str:
    """Where the server binds (and, for a long run dir, the symlink pointing there)."""
    path = run_dir / SOCKET_NAME
    if len(str(path)) <= _MAX_SUN_PATH:
        return str(path)
    short = short_dir()
    short.mkdir(mode=0o700, exist_ok=True)
    if short.stat().st_uid != os.getuid() or short.stat().st_mode & 0o077:
        raise OsmoTuiError(f"{short} is not private to this user: no control endpoint")
    target = short / (hashlib.sha256(str(run_dir).encode()).hexdigest()[:20] + ".sock")
    with contextlib.suppress(FileNotFoundError):
        target.unlink()  # a stale socket of a dead process for the same run dir
    path.symlink_to(target)
    return str(target)
