"""Output paths (`--junit`, `--events`, `--graph-out`): checked before a run starts, so a bad
one never fails after the work is done."""

from __future__ import annotations

import os
import stat

from simulator.inputs.files import os_reason, shown


def check_output_path(path: str | os.PathLike[str]) -> str | None:
    """Why `path` cannot be written as an output file, or None: checked before a run starts so
    a bad `--junit`/`--events`/`--graph-out` never fails after the work is done."""
    raw = os.fspath(path)
    if not raw:
        return "the output path is empty"
    name = shown(raw)
    if "\0" in raw:
        return f"{name}: the path contains a NUL character"
    try:
        info: os.stat_result | None = os.stat(raw)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        return f"{name}: {os_reason(exc)}"
    if info is not None:
        return _existing_output_problem(raw, name, info.st_mode)
    parent = os.path.dirname(os.path.abspath(raw))
    if not os.path.isdir(parent):
        return f"{name}: directory {shown(parent)} does not exist"
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"{name}: cannot create a file in {shown(parent)}: permission denied"
    try:
        limit = os.pathconf(parent, "PC_NAME_MAX")
    except (OSError, ValueError):
        return None
    if len(os.fsencode(os.path.basename(raw))) > limit:
        return f"{name}: file name too long"
    return None


def _existing_output_problem(raw: str, name: str, mode: int) -> str | None:
    if stat.S_ISDIR(mode):
        return f"{name}: is a directory"
    if not os.access(raw, os.W_OK):
        return f"{name}: permission denied"
    if stat.S_ISFIFO(mode):  # writing to a FIFO nobody reads would block the run at its end
        try:
            os.close(os.open(raw, os.O_WRONLY | os.O_NONBLOCK))
        except OSError:
            return f"{name}: is a FIFO that nobody reads"
    return None
