"""The reuse store: one directory per key, bounded in size, oldest use evicted first.

`<runs root>/.reuse/<key>/entry.json` says which run produced the group, where its outputs are
(`place`), their size and when it was created and last used; `logs/<task>.jsonl` holds each
task's recorded lines; `outputs/<task>/` the outputs when they are kept on this host. An entry
without `entry.json` is incomplete (a save that was interrupted) and never used.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from simulator.common.digests import ReuseLayout, tree_bytes
from simulator.errors import UsageError

DEFAULT_CAP = 2 * 1024**3
"""Bytes the store may hold per place (outputs and logs) before the oldest entries go."""
_ENTRY = "entry.json"


def reuse_root(runs_root: Path) -> Path:
    """The store lives under the run store (a dot directory: never listed as a run)."""
    return runs_root / ".reuse"


def cap_from_env() -> int:
    """`$OSMO_TUI_REUSE_MAX_BYTES` (a byte count or a quantity such as 500Mi), else 2 GiB."""
    text = os.environ.get("OSMO_TUI_REUSE_MAX_BYTES", "").strip()
    if not text:
        return DEFAULT_CAP
    from simulator.common.units import parse_quantity

    try:
        value = int(text) if text.isdigit() else int(parse_quantity(text))
    except ValueError as exc:
        raise UsageError(f"OSMO_TUI_REUSE_MAX_BYTES={text!r}: {exc}") from None
    return max(0, value)


@dataclass
class ReuseEntry:
    key: str
    source: str
    """The run id whose tasks really ran (a reuse of a reuse names the first run)."""
    workflow: str
    group: str
    tasks: list[str]
    place: str
    bytes: int = 0
    created: float = 0.0
    used: float = 0.0
    outputs: dict[str, str] = field(default_factory=dict)
    """Task -> content hash of its output, as it was kept."""


class ReuseStore:
    def __init__(self, root: Path, cap: int | None = None) -> None:
        self.root = Path(root)
        self.cap = cap_from_env() if cap is None else cap
        self.layout = ReuseLayout(self.root)

    # --- reading ----------------------------------------------------------------------------------

    def get(self, key: str, place: str) -> ReuseEntry | None:
        """The complete entry `key` whose outputs are at `place`; its last use is now."""
        entry = self._read(self.layout.entry(key))
        if entry is None or entry.place != place:
            return None
        entry.used = time.time()
        self._write_entry(entry)
        return entry

    def logs(self, key: str, task: str) -> list[tuple[str, str]] | None:
        """(stream, line) of the task as recorded; None when the file is missing or damaged."""
        path = self.layout.entry(key) / "logs" / f"{task}.jsonl"
        try:
            out = []
            for raw in path.read_text(encoding="utf-8").splitlines():
                stream, line = json.loads(raw)
                out.append((str(stream), str(line)))
            return out
        except (OSError, ValueError, TypeError):
            return None

    def entries(self) -> list[ReuseEntry]:
        try:
            dirs = sorted(p for p in self.root.iterdir() if p.is_dir())
        except OSError:
            return []
        return [e for p in dirs if (e := self._read(p)) is not None]

    def _read(self, path: Path) -> ReuseEntry | None:
        try:
            data = json.loads((path / _ENTRY).read_text(encoding="utf-8"))
            return ReuseEntry(**data)
        except (OSError, ValueError, TypeError):
            return None

    # --- writing ----------------------------------------------------------------------------------

    def begin(self, key: str) -> Path:
        """A fresh, empty entry directory (an older incomplete one is removed)."""
        path = self.layout.entry(key)
        if path.exists():
            shutil.rmtree(path, ignore_errors=True)
        (path / "logs").mkdir(parents=True)
        return path

    def write_logs(self, key: str, task: str, lines: list[tuple[str, str]]) -> None:
        path = self.layout.entry(key) / "logs" / f"{task}.jsonl"
        text = "".join(json.dumps([s, line], ensure_ascii=False) + "\n" for s, line in lines)
        path.write_text(text, encoding="utf-8")

    def commit(self, entry: ReuseEntry) -> None:
        """Make the entry usable (its files are in place); its size counts its logs too."""
        entry.bytes += tree_bytes(self.layout.entry(entry.key) / "logs")
        entry.created = entry.used = time.time()
        self._write_entry(entry)

    def _write_entry(self, entry: ReuseEntry) -> None:
        path = self.layout.entry(entry.key) / _ENTRY
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(entry), indent=2) + "\n", encoding="utf-8")
        tmp.replace(path)

    def discard(self, key: str) -> None:
        shutil.rmtree(self.layout.entry(key), ignore_errors=True)

    # --- bounds -----------------------------------------------------------------------------------

    def evict(self, place: str, drop: Callable[[str], None] | None = None) -> list[str]:
        """Remove the least recently used entries of `place` until they fit the cap; `drop`
        removes an entry's outputs kept elsewhere (a cluster volume). The keys removed."""
        mine = sorted((e for e in self.entries() if e.place == place), key=lambda e: e.used)
        total = sum(e.bytes for e in mine)
        gone = []
        for entry in mine:
            if total <= self.cap:
                break
            if drop is not None:
                drop(entry.key)
            self.discard(entry.key)
            total -= entry.bytes
            gone.append(entry.key)
        return gone

    def clear(self) -> tuple[int, int]:
        """Remove every entry (and incomplete ones); (entries, bytes) removed."""
        entries = self.entries()
        count, size = len(entries), sum(e.bytes for e in entries)
        try:
            dirs = [p for p in self.root.iterdir() if p.is_dir()]
        except OSError:
            return 0, 0
        for path in dirs:
            shutil.rmtree(path, ignore_errors=True)
        return count, size
