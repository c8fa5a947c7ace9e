"""The in-container wrapper: wait at the barrier, run the user command, restart it in place.

Like OSMO's osmo_exec it is the container's command (the image entrypoint is not used). It is run
by a static busybox mounted at /osmo/bin (or the image's /bin/sh when the host has none) and
talks to the backend through the attempt's control directory mounted at /osmo/run:

* `release` is a FIFO the backend holds open: each line written is one barrier release.
* SIGUSR1 = restart: kill the command's process group, go back to the barrier.
* SIGTERM/SIGINT are forwarded to the command's process group; `terminated` records that the
  container was stopped, so a stop the backend did not ask for (engine shutting down, a manual
  `docker stop`) is told apart from the command's own exit.
"""

from __future__ import annotations

import os
import stat
import struct
from pathlib import Path

CONTROL_DIR = "/osmo/run"
BIN_DIR = "/osmo/bin"
BUSYBOX = f"{BIN_DIR}/busybox"
SCRIPT = f"{CONTROL_DIR}/wrapper.sh"

WRAPPER = r"""
B="$OSMO_BUSYBOX"
child=""
restart=0
trap 'restart=1; [ -n "$child" ] && $B kill -KILL -"$child" 2>/dev/null' USR1
trap 'echo 1 > /osmo/run/terminated; [ -n "$child" ] && $B kill -TERM -"$child" 2>/dev/null' TERM INT
# Find the command in the image's PATH ourselves: busybox would otherwise prefer its own applets
# (a host binary) over the image's programs.
resolve() {
  case "$1" in */*) echo "$1"; return 0 ;; esac
  saved="$IFS"; IFS=:
  for dir in ${PATH:-/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin}; do
    if [ -f "$dir/$1" ] && [ -x "$dir/$1" ]; then IFS="$saved"; echo "$dir/$1"; return 0; fi
  done
  IFS="$saved"; return 1
}
while :; do
  line=""
  while [ "$line" != go ]; do
    read -r line < /osmo/run/release || exit 2024
  done
  restart=0
  exe=$(resolve "$1") || { echo "exec: $1: not found" >&2; exit 127; }
  first="$1"; shift
  $B setsid "$exe" "$@" < /dev/null &
  child=$!
  set -- "$first" "$@"
  # the shell reports a job ended by a signal ("Killed") while it reaps it: that is the shell's
  # word, not the task's output, so its waits write nothing
  wait "$child" 2>/dev/null
  rc=$?
  while $B kill -0 "$child" 2>/dev/null; do wait "$child" 2>/dev/null; rc=$?; done
  child=""
  [ "$restart" = 1 ] && continue
  exit "$rc"
done
"""

STATIC_BUSYBOX_CANDIDATES = ("/bin/busybox", "/usr/bin/busybox", "/usr/local/bin/busybox")


def _is_static_elf(path: Path) -> bool:
    """An ELF executable without a PT_INTERP header (needs no libc from the image)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(64)
            if head[:4] != b"\x7fELF" or head[4] != 2:  # 64-bit only
                return False
            endian = "<" if head[5] == 1 else ">"
            (phoff,) = struct.unpack_from(endian + "Q", head, 32)
            phentsize, phnum = struct.unpack_from(endian + "HH", head, 54)
            fh.seek(phoff)
            table = fh.read(phentsize * phnum)
    except OSError:
        return False
    for i in range(phnum):
        (ptype,) = struct.unpack_from(endian + "I", table, i * phentsize)
        if ptype == 3:  # PT_INTERP: dynamically linked
            return False
    return True


def find_static_busybox() -> Path | None:
    """The host's static busybox (Debian's busybox-static), if any."""
    env = os.environ.get("OSMO_TUI_BUSYBOX")
    for candidate in ((env,) if env else ()) + STATIC_BUSYBOX_CANDIDATES:
        path = Path(candidate)
        if path.is_file() and os.access(path, os.X_OK) and _is_static_elf(path):
            return path.resolve()
    return None


def make_control_dir(path: Path) -> int:
    """Create the attempt's control dir with the wrapper and the release FIFO; returns the FIFO
    fd the backend keeps open (read+write, so a release written before the wrapper reads it is
    never lost and opening never blocks)."""
    path.mkdir(parents=True, exist_ok=True)
    (path / "wrapper.sh").write_text(WRAPPER, encoding="utf-8")
    fifo = path / "release"
    if not fifo.exists():
        os.mkfifo(fifo, 0o600)
    if not stat.S_ISFIFO(fifo.stat().st_mode):
        raise OSError(f"{fifo} is not a FIFO")
    return os.open(fifo, os.O_RDWR | os.O_NONBLOCK)


def release(fd: int) -> None:
    """Open the barrier once."""
    os.write(fd, b"go\n")


def command(busybox_mounted: bool, argv: list[str]) -> tuple[list[str], dict[str, str]]:
    """The container's entrypoint + the environment the wrapper needs."""
    if busybox_mounted:
        return [BUSYBOX, "sh", SCRIPT, *argv], {"OSMO_BUSYBOX": BUSYBOX}
    return ["/bin/sh", SCRIPT, *argv], {"OSMO_BUSYBOX": ""}
