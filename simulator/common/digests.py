"""Content hashes of files and directory trees, and where the reuse store keeps an entry.

Shared by the reuse of finished groups (`simulator.reuse`) and the backends that copy outputs in
and out of its store (docs/reuse.md).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_CHUNK = 1 << 20


def canonical(value: Any) -> bytes:
    """The canonical JSON of a value (sorted keys, no spaces): what a key hashes."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sha256_of(value: Any) -> str:
    return hashlib.sha256(canonical(value)).hexdigest()


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def tree_digest(path: Path) -> str | None:
    """sha256 over every file's relative path, kind and contents (a file or a directory tree);
    None when `path` does not exist or cannot be read. Names and contents only: times and
    owners do not change what a task reads."""
    try:
        if path.is_symlink():
            return sha256_of(["link", os.readlink(path)])
        if path.is_file():
            return sha256_of(["file", file_digest(path)])
        if not path.is_dir():
            return None
        entries: list[list[str]] = []
        for item in sorted(path.rglob("*")):
            rel = item.relative_to(path).as_posix()
            if item.is_symlink():
                entries.append([rel, "link", os.readlink(item)])
            elif item.is_file():
                entries.append([rel, "file", file_digest(item)])
            elif item.is_dir():
                entries.append([rel, "dir", ""])
            else:
                return None  # a FIFO or a device: not content we can vouch for
        return sha256_of(["tree", entries])
    except OSError:
        return None


def tree_bytes(path: Path) -> int:
    total = 0
    for item in path.rglob("*"):
        if item.is_file() and not item.is_symlink():
            total += item.stat().st_size
    return total


@dataclass(frozen=True, slots=True)
class ReuseLayout:
    """The reuse store on this host: `<root>/<key>/entry.json`, `logs/<task>.jsonl`,
    `outputs/<task>/` (outputs kept locally; a cluster keeps them on its volume)."""

    root: Path

    def entry(self, key: str) -> Path:
        return self.root / key

    def outputs(self, key: str, task: str) -> Path:
        return self.root / key / "outputs" / task
