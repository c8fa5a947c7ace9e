"""Output files a run writes (`--events`, `--junit`, `--graph-out`): checked before, written safely."""

from __future__ import annotations

import os
from pathlib import Path

from simulator import inputs
from simulator.errors import UsageError


def check_output_path(path: str | os.PathLike[str] | None, flag: str) -> None:
    """Refuse, before anything runs, an output path that cannot be written (exit 2)."""
    if path is None:
        return
    problem = inputs.check_output_path(path)
    if problem:
        raise UsageError(f"{flag}: cannot write {problem}")


def write_output(path: str | os.PathLike[str], text: str, flag: str) -> None:
    """Write an export; a failure (full disk, vanished directory) is one line, exit 2."""
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{flag} {path}: cannot write: {exc.strerror or exc}") from None
