"""Task data on the host: the local object-store stand-in, input staging, output upload.

`s3://bucket/path` (and gs/azure/tos/swift) maps to `<root>/bucket/path`, root from
`$OSMO_TUI_BUCKETS_DIR` or `~/.local/share/osmo-tui/buckets`, so workflows that read and write
object storage run unchanged. `regex` filters file paths (relative to the copied directory).
"""

from __future__ import annotations

import os
import re
import shutil
import tarfile
from pathlib import Path, PurePosixPath
from typing import IO

SCHEMES = ("s3", "gs", "azure", "tos", "swift")


class DataError(Exception):
    """A download/upload failed; `code` is OSMO's ctrl exit code (2010 download, 2012 upload)."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def buckets_root() -> Path:
    env = os.environ.get("OSMO_TUI_BUCKETS_DIR")
    return Path(env) if env else Path.home() / ".local" / "share" / "osmo-tui" / "buckets"


def safe_rmtree(path: Path, root: Path) -> None:
    """Delete `path` only if it lies strictly inside `root` (both absolute): a guard against ever
    removing a working directory because some path was left empty or relative."""
    path, root = Path(path), Path(root)
    if not path.is_absolute() or not root.is_absolute():
        raise ValueError(f"refusing to delete {path!s}: not an absolute path under {root!s}")
    if path.is_symlink():  # its target could be anywhere
        raise ValueError(f"refusing to delete {path!s}: a symbolic link")
    resolved, base = path.resolve(), root.resolve()
    if resolved == base or base not in resolved.parents:
        raise ValueError(f"refusing to delete {path!s}: not inside {root!s}")
    shutil.rmtree(resolved, ignore_errors=True)


def url_path(url: str, root: Path, code: int = 2010) -> Path:
    """The local directory (or file) standing in for an object-storage URL."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme not in SCHEMES:
        raise DataError(f"Unknown URI scheme: {scheme if sep else url}", code)
    parts = [p for p in PurePosixPath(rest).parts if p not in ("", "/")]
    if not parts or any(p in (".", "..") for p in parts):
        raise DataError(f"Invalid storage URL: {url}", code)
    return root.joinpath(*parts)


def _files(src: Path, regex: str) -> list[tuple[Path, str]]:
    pattern = re.compile(regex) if regex else None
    if src.is_file():
        return [(src, src.name)] if not pattern or pattern.search(src.name) else []
    found = []
    for path in sorted(src.rglob("*")):
        if path.is_file() or path.is_symlink():
            rel = path.relative_to(src).as_posix()
            if pattern is None or pattern.search(rel):
                found.append((path, rel))
    return found


def copy_filtered(src: Path, dst: Path, regex: str = "") -> int:
    """Copy the files of `src` (a file or a directory) whose relative path matches into `dst`."""
    dst.mkdir(parents=True, exist_ok=True)
    count = 0
    for path, rel in _files(src, regex):
        target = dst / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target, follow_symlinks=False)
        count += 1
    return count


def stage_input(src: Path, staging: Path, regex: str, what: str) -> Path:
    """The host directory mounted read-only at /osmo/data/input/<i> (copied only if filtered)."""
    if not src.exists():
        raise DataError(f"Download failed: {what} does not exist ({src})", 2010)
    if src.is_dir() and not regex:
        return src
    copy_filtered(src, staging, regex)
    return staging


def upload_output(output: Path, url: str, root: Path, regex: str) -> int:
    """Copy the contents of the task's output directory to the URL; the number of files."""
    dst = url_path(url, root, code=2012)
    if not output.is_dir() or not any(output.iterdir()):
        return 0
    try:
        return copy_filtered(output, dst, regex)
    except OSError as exc:
        raise DataError(f"Upload failed: {url}: {exc.strerror or exc}", 2012) from None


def extract_checkpoint(stream: IO[bytes], dst: Path, regex: str) -> int:
    """Unpack a `docker cp`-style tar of a directory into `dst`, dropping its top-level name."""
    pattern = re.compile(regex) if regex else None
    count = 0
    with tarfile.open(fileobj=stream, mode="r|*") as tar:
        for member in tar:
            parts = PurePosixPath(member.name).parts[1:]
            if not parts or not member.isfile() or ".." in parts:
                continue
            rel = "/".join(parts)
            if pattern and not pattern.search(rel):
                continue
            source = tar.extractfile(member)
            if source is None:
                continue
            target = dst.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("wb") as out:
                shutil.copyfileobj(source, out)
            count += 1
    return count
