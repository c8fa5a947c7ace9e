"""Generic credentials from a local file (the stand-in for `osmo credential`), injected and masked.

File: `$OSMO_TUI_CREDENTIALS`, else `$XDG_CONFIG_HOME/osmo-tui/credentials.yaml`, else
`~/.config/osmo-tui/credentials.yaml`; one mapping per credential::

    omni_cred:
      omni_user: alice
      omni_pass: a-long-secret

A task's dict form (`{ENV: key}`) becomes environment variables, the string form (`/dir`) one
file per key (SPEC §2.7). Values of 8 characters or more are masked as `[MASKED]` in logs.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulator.errors import BackendError

MASK = "[MASKED]"
MIN_MASKED_LENGTH = 8


def credentials_path() -> Path:
    env = os.environ.get("OSMO_TUI_CREDENTIALS")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "osmo-tui" / "credentials.yaml"


def load_credentials(path: Path | None = None) -> dict[str, dict[str, str]]:
    """Every credential of the file ({} when the file does not exist)."""
    import yaml

    path = path or credentials_path()
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise BackendError(f"cannot read credentials file {path}: {exc}") from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise BackendError(f"{path}: every credential must be a mapping of key: value")
    return {str(name): {str(k): str(v) for k, v in keys.items()} for name, keys in data.items()}


@dataclass(slots=True)
class Injection:
    """What a task's credentials add to its container."""

    env: dict[str, str] = field(default_factory=dict)
    files: list[tuple[str, str]] = field(default_factory=list)
    """(absolute path in the container, contents)."""
    secrets: set[str] = field(default_factory=set)


def resolve(task: str, wanted: dict[str, Any], store: dict[str, dict[str, str]]) -> Injection:
    """The env vars and files of one task's `credentials:`; OSMO's messages on unknown keys."""
    out = Injection()
    for name, form in wanted.items():
        if name not in store:
            where = credentials_path()
            raise BackendError(
                f"Task {task}: credential {name} is not set; add it to {where} "
                "(the local stand-in for `osmo credential set`)"
            )
        values = store[name]
        out.secrets.update(values.values())
        if isinstance(form, dict):
            for env, key in form.items():
                if key not in values:
                    raise BackendError(
                        f"{key} is not a valid credential key please choose from dict_keys({list(values)})"
                    )
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
