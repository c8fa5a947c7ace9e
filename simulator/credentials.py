"""The local credential store: osmo-tui's stand-in for `osmo credential set` (generic credentials).

File: `$OSMO_TUI_CREDENTIALS`, else `$XDG_CONFIG_HOME/osmo-tui/credentials.yaml`, else
`~/.config/osmo-tui/credentials.yaml`; one mapping of key: value per credential::

    omni_cred:
      omni_user: alice
      omni_pass: a-long-secret

`validate` checks a workflow's `credentials:` against it with OSMO's messages (SPEC §2.7); the
Docker and Kubernetes backends inject the values from it (`resolve`): a task's dict form
(`{ENV: key}`) becomes environment variables, the string form (`/dir`) one file per key. Values of
8 characters or more are masked as `[MASKED]` in logs (`Masker`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulator.errors import BackendError, Location, SpecError, SpecErrors


def credentials_path() -> Path:
    env = os.environ.get("OSMO_TUI_CREDENTIALS")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "osmo-tui" / "credentials.yaml"


def store_present(path: Path) -> bool:
    """Whether the store is there to check against: a FIFO or a path too long for the file
    system counts, so that `load_credentials` says what is wrong with it instead of a warning
    that there is no store."""
    try:
        return path.exists()
    except OSError:
        return True


def load_credentials(path: Path | None = None) -> dict[str, dict[str, str]]:
    """Every credential of the file ({} when the file does not exist); SpecErrors, located in
    the credentials file, when it cannot be read or is not `name: {key: value}`."""
    import yaml

    from simulator import inputs

    path = path or credentials_path()
    try:
        if not path.exists():
            return {}
        text = inputs.read_text(path, what="credentials file", max_bytes=inputs.MAX_CONFIG_BYTES)
        data = inputs.load_yaml(text) or {}
    except inputs.InputError as exc:
        raise _error(f"cannot read credentials file: {exc.message}", exc.location) from None
    except OSError as exc:  # exists() on a path the file system refuses (e.g. too long)
        where = Location(inputs.shown(path))
        raise _error(f"cannot read credentials file: {exc.strerror}", where) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = Location(str(path), mark.line + 1, mark.column + 1) if mark else Location(str(path))
        raise _error(f"cannot read credentials file: {exc.problem}", where) from None
    except yaml.YAMLError:
        raise _error("cannot read credentials file: invalid YAML", Location(str(path))) from None
    return _credentials(data, path)


def _credentials(data: Any, path: Path) -> dict[str, dict[str, str]]:
    """`name: {key: value}`, keys and values as text; a located error for any other shape."""
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        message = "every credential must be a mapping of key: value"
        raise _error(message, Location(str(path), 1, 1))
    for name, keys in data.items():
        for value in keys.values():
            if isinstance(value, dict | list):  # str() of a nested value is not a credential
                message = f"credential {name}: values must be text, not a mapping or a list"
                raise _error(message, Location(str(path), 1, 1))
    return {str(name): {str(k): str(v) for k, v in keys.items()} for name, keys in data.items()}


def _error(message: str, where: Location) -> SpecErrors:
    return SpecErrors([SpecError(message, where)])


def problems(
    wanted: dict[str, Any], store: dict[str, dict[str, str]]
) -> Iterator[tuple[str, str | None, str]]:
    """What OSMO's `validate_generic_cred` refuses in one task's `credentials:`, in order:
    (credential, its env var for a key problem else None, OSMO's message)."""
    for name, form in wanted.items():
        if name not in store:
            yield name, None, not_found(name)
        elif isinstance(form, dict):
            for env, key in form.items():
                if key not in store[name]:
                    yield name, env, bad_key(key, store[name])


def not_found(name: str) -> str:
    """OSMO's message for a credential the user has not set (`get_generic_cred`)."""
    return f"Could not find the credential: {name}."


def bad_key(key: str, values: dict[str, Any]) -> str:
    """OSMO's message for a dict-form credential naming a key the credential lacks."""
    return f"{key} is not a valid credential key please choose from dict_keys({list(values)})"


# --- for the backends ---------------------------------------------------------------------------

MASK = "[MASKED]"
MIN_MASKED_LENGTH = 8


def load_for_run(path: Path | None = None) -> dict[str, dict[str, str]]:
    """The store for a backend's run: a broken file fails the run (BackendError)."""
    try:
        return load_credentials(path)
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
    for _name, env, message in problems(wanted, store):
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
