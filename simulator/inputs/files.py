"""Reading a user's file: regular files only (a FIFO or device is refused from its stat and
never read), a size cap, UTF-8 with the line:col of the first bad byte (never the bytes)."""

from __future__ import annotations

import os
import stat

from simulator.errors import Location, OsmoTuiError

MAX_FILE_BYTES = 32 * 1024 * 1024
"""Workflows, `localpath` files and run-store events (the 10,000-task benchmark is ~1.3 MB)."""
MAX_CONFIG_BYTES = 512 * 1024
"""Scenarios, pool configs, credential stores, key maps: hand-written files (a scenario line per
task of a 10,000-task workflow is ~300 KB); YAML reads ~1 MB/s, and no input may stall a run."""
MAX_DEPTH = 100
"""YAML nesting levels; OSMO workflows use under 15, and every later stage recurses per level."""
_PATH_SHOWN = 120


class InputError(OsmoTuiError):
    """A user file that cannot be used. `content` is True when the file was read but its text is
    wrong (exit 1, like an invalid spec); False when the file itself is unusable (usage, exit 2)."""

    def __init__(self, message: str, location: Location, *, content: bool = False) -> None:
        super().__init__(f"{location}: {message}")
        self.message = message
        self.location = location
        self.content = content
        self.exit_code = 1 if content else 2


def printable(text: str) -> str:
    """`text` safe for a terminal: control characters (an ESC from a rendered template would
    drive the user's terminal) become `\\xNN`, lines stay lines."""
    if text.isprintable():
        return text
    return "".join(
        c if c.isprintable() or c in "\n\t" else f"\\x{ord(c):02x}" if ord(c) < 256 else "?"
        for c in text
    )


def shown(path: str | os.PathLike[str]) -> str:
    """A path as messages show it: control characters replaced, very long paths shortened."""
    text = "".join(c if c.isprintable() else "?" for c in os.fspath(path))
    if len(text) > _PATH_SHOWN:
        half = _PATH_SHOWN // 2
        text = f"{text[:half]}…{text[-half:]}"
    return text


def os_reason(exc: OSError) -> str:
    reason = (exc.strerror or type(exc).__name__).lower()
    return "no such file" if isinstance(exc, FileNotFoundError) else reason


def _kind(mode: int) -> str:
    kinds = (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    )
    return next((name for test, name in kinds if test(mode)), "not a file")


def _size(count: int) -> str:
    return f"{count // (1024 * 1024)} MiB" if count >= 1024 * 1024 else f"{count // 1024} KiB"


def read_bytes(
    path: str | os.PathLike[str], *, what: str = "file", max_bytes: int = MAX_FILE_BYTES
) -> bytes:
    """The bytes of a regular file of at most `max_bytes`; InputError otherwise, without blocking
    (a FIFO or device is refused before it is read)."""
    raw = os.fspath(path)
    where = Location(shown(raw))
    if not raw:
        raise InputError(f"no {what} given (the path is empty)", Location("''"))
    if "\0" in raw:
        raise InputError("the path contains a NUL character", where)
    try:
        # stat first: opening some devices has effects; O_NONBLOCK covers a swap after the stat
        mode = os.stat(raw).st_mode
        if not stat.S_ISREG(mode):
            raise InputError(f"is {_kind(mode)}, not a regular file", where)
        fd = os.open(raw, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError as exc:
        raise InputError(os_reason(exc), where) from None
    try:
        return _read_capped(fd, max_bytes, where)
    except OSError as exc:
        raise InputError(os_reason(exc), where) from None
    finally:
        os.close(fd)


def _read_capped(fd: int, max_bytes: int, where: Location) -> bytes:
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        raise InputError(f"is {_kind(info.st_mode)}, not a regular file", where)
    too_big = InputError(f"is larger than {_size(max_bytes)}", where)
    if info.st_size > max_bytes:
        raise too_big
    chunks: list[bytes] = []
    size = 0
    while chunk := os.read(fd, 1 << 20):
        size += len(chunk)
        if size > max_bytes:  # a file growing while read, or /proc lying about its size
            raise too_big
        chunks.append(chunk)
    return b"".join(chunks)


def decode(data: bytes, name: str) -> str:
    """UTF-8 text; a located InputError (line:col of the first bad byte, never the byte)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        start = data.rfind(b"\n", 0, exc.start) + 1
        column = len(data[start : exc.start].decode("utf-8", "replace")) + 1
        where = Location(name, line, column)
        raise InputError("not UTF-8 text", where, content=True) from None


def read_text(
    path: str | os.PathLike[str], *, what: str = "file", max_bytes: int = MAX_FILE_BYTES
) -> str:
    """A regular, bounded, UTF-8 file's text (see `read_bytes` and `decode`)."""
    return decode(read_bytes(path, what=what, max_bytes=max_bytes), shown(path))
