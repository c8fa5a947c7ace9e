"""One error type per layer, each able to say where it happened."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class OsmoTuiError(Exception):
    """Base of every error osmo-tui reports to a user as one line (never a traceback)."""

    exit_code: int = 1

    def render(self) -> str:
        return str(self)


@dataclass
class Location:
    """Where in which file something is; line and column are 1-based, None when unknown."""

    path: str
    line: int | None = None
    column: int | None = None
    rendered: bool = False
    """True when the position is in the rendered spec and could not be mapped back to the source."""

    def __str__(self) -> str:
        parts = [self.path]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        text = ":".join(parts)
        return f"{text} (in rendered spec)" if self.rendered else text


class SpecError(OsmoTuiError):
    """The workflow is invalid; carries OSMO's message and, where known, its location."""

    exit_code = 1

    def __init__(self, message: str, location: Location | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location

    def render(self) -> str:
        if self.location is None:
            return self.message
        return f"{self.location}: {self.message}"


class UsageError(OsmoTuiError):
    """The command line itself is wrong (exit code 2)."""

    exit_code = 2


class BackendError(OsmoTuiError):
    """A backend (Docker engine, Kubernetes API) failed in a way the user must hear about."""

    exit_code = 1


class SpecErrors(OsmoTuiError):
    """Several spec errors at once (validation reports all it can find, in source order)."""

    exit_code = 1

    def __init__(self, errors: list[SpecError]) -> None:
        super().__init__("\n".join(e.render() for e in errors))
        self.errors = errors

    def render(self) -> str:
        return "\n".join(e.render() for e in self.errors)


def crash_log(exc: BaseException) -> Path:
    """Write the traceback of an internal error (a bug) to the crash log; returns its path."""
    import traceback

    crash = Path.home() / ".cache" / "osmo-tui" / "crash.log"
    try:
        crash.parent.mkdir(parents=True, exist_ok=True)
        crash.write_text("".join(traceback.format_exception(exc)))
    except OSError:
        pass
    return crash
