"""Generic credentials of the local store (`simulator.credentials`), injected and masked.

A task's dict form (`{ENV: key}`) becomes environment variables, the string form (`/dir`) one
file per key (SPEC §2.7). Values of 8 characters or more are masked as `[MASKED]` in logs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulator import credentials as local_store
from simulator.credentials import credentials_path
from simulator.errors import BackendError, SpecErrors

__all__ = ["Injection", "Masker", "credentials_path", "load_credentials", "resolve"]

MASK = "[MASKED]"
MIN_MASKED_LENGTH = 8


def load_credentials(path: Path | None = None) -> dict[str, dict[str, str]]:
    """The local credential store (`simulator.credentials`); a broken file fails the run."""
    try:
        return local_store.load_credentials(path)
    except SpecErrors as exc:
        raise BackendError(exc.render()) from None


@dataclass(slots=True)
class Injection:
    """What a task's credentials add to its container."""

    env: dict[str, str] = field(default_factory=dict)
    files: list[tuple[str, str]] = field(default_factory=list)
    """(absolute path in the container, contents)."""
    secrets: set[str] = field(default_factory=set)


def resolve(task: str, wanted: dict[str, Any], store: dict[str, dict[str, str]]) -> Injection:
    """The env vars and files of one task's `credentials:`; OSMO's messages on unknown keys."""
    for _name, env, message in local_store.problems(wanted, store):
        if env is None:
            where = credentials_path()
            raise BackendError(
                f"Task {task}: {message} Add it to {where} "
                "(the local stand-in for `osmo credential set`)"
            )
        raise BackendError(message)
    out = Injection()
    for name, form in wanted.items():
        values = store[name]
        out.secrets.update(values.values())
        if isinstance(form, dict):
            for env, key in form.items():
                out.env[env] = values[key]
        else:
            directory = str(form).rstrip("/") or ""
            for key, value in values.items():
                out.files.append((f"{directory}/{key}", value))
    return out


class Masker:
    """Replaces every secret of 8+ characters by `[MASKED]` (longest first, so none leaks)."""

    def __init__(self, secrets: set[str] | None = None) -> None:
        self._pattern: re.Pattern[str] | None = None
        self._secrets: set[str] = set()
        self.add(secrets or set())

    def add(self, secrets: set[str]) -> None:
        self._secrets |= {s for s in secrets if len(s) >= MIN_MASKED_LENGTH}
        ordered = sorted(self._secrets, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None

    def __call__(self, text: str) -> str:
        return self._pattern.sub(MASK, text) if self._pattern else text
