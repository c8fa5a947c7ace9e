"""Output files a run writes (`--events`, `--junit`, `--graph-out`): checked before, written safely."""

from __future__ import annotations

import os
from pathlib import Path

from simulator.errors import UsageError


def check_output_path(path: str | os.PathLike[str] | None, flag: str) -> None:
    """Refuse, before anything runs, an output path that cannot be written (exit 2)."""
    if path is None or str(path) == "":
        if path is not None:
            raise UsageError(f"{flag}: an empty path cannot be written")
        return
    target = Path(path)
    parent = target.parent if str(target.parent) else Path(".")
    problem = ""
    if target.is_dir():
        problem = "is a directory"
    elif not parent.is_dir():
        problem = f"its directory {parent} does not exist"
    elif not os.access(parent, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        problem = "permission denied"
    if problem:
        raise UsageError(f"{flag} {path}: cannot write: {problem}")


def write_output(path: str | os.PathLike[str], text: str, flag: str) -> None:
    """Write an export; a failure (full disk, vanished directory) is one line, exit 2."""
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{flag} {path}: cannot write: {exc.strerror or exc}") from None
