"""Running one fuzz case: the CLI in-process (or as a program) under a wall-clock limit, and
the verdict every case must meet: no traceback, no exit 70, within the time limit."""

from __future__ import annotations

import contextlib
import io
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

CASE_SECONDS = float(os.environ.get("OSMO_TUI_FUZZ_CASE_SECONDS", "2"))
"""Each case must finish within this many wall-clock seconds."""
CASES = int(os.environ.get("OSMO_TUI_FUZZ_CASES", "0") or 0)
"""Hypothesis examples per fuzz test; 0 keeps the bounded CI default of each test."""


class CaseTimeout(BaseException):
    """Raised by the alarm in the middle of a case (a BaseException: nothing may catch it)."""


@dataclass
class Outcome:
    code: int | None
    out: str
    err: str
    seconds: float
    crashed: str = ""
    """An exception that escaped (the case itself is then a failure), as `Type: message`."""

    def problems(self) -> list[str]:
        """Why this case fails the hardening rules ([] when it passes)."""
        found = []
        if self.crashed:
            found.append(f"escaped exception {self.crashed}")
        if self.code == 70 or "internal error" in self.err:
            found.append("exit 70 (internal error)")
        if "Traceback" in self.err or "Traceback" in self.out:
            found.append("a traceback was printed")
        if self.seconds > CASE_SECONDS:
            found.append(f"took {self.seconds:.2f}s (limit {CASE_SECONDS}s)")
        return found


@contextlib.contextmanager
def alarm(seconds: float) -> Iterator[None]:
    """CaseTimeout after `seconds` of wall clock (the main thread only, as signals are)."""

    def fire(signum: int, frame: Any) -> None:
        raise CaseTimeout

    previous = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def timed(call: Callable[[], Any], limit: float | None = None) -> tuple[Any, float, str]:
    """(result, seconds, escaped exception or '') of `call()`, stopped at twice the limit."""
    start = time.perf_counter()
    try:
        with alarm(2 * (limit or CASE_SECONDS) + 1):
            result = call()
    except CaseTimeout:
        return None, time.perf_counter() - start, "CaseTimeout: still running, stopped"
    except Exception as exc:  # the point of fuzzing: anything that escapes is a finding
        return None, time.perf_counter() - start, f"{type(exc).__name__}: {exc}"[:300]
    return result, time.perf_counter() - start, ""


def run_cli(argv: list[str], limit: float | None = None) -> Outcome:
    """`osmo-tui ARGV` in this process, output captured; stopped at twice the limit."""
    from osmo_tui.cli.main import main

    out, err = io.StringIO(), io.StringIO()

    def call() -> int:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                return main(argv)
            except SystemExit as exc:  # argparse's usage errors
                return exc.code if isinstance(exc.code, int) else 2

    code, seconds, crashed = timed(call, limit)
    return Outcome(code, out.getvalue(), err.getvalue(), seconds, crashed)


def run_program(argv: list[str], env: dict[str, str] | None = None) -> Outcome:
    """`python -m osmo_tui.cli.main ARGV` as its own process (start-up included in the time)."""
    start = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "osmo_tui.cli.main", *argv],
            capture_output=True,
            text=True,
            errors="replace",
            timeout=20,
            env={**os.environ, **(env or {})},
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        return Outcome(None, "", "", time.perf_counter() - start, "TimeoutExpired")
    return Outcome(done.returncode, done.stdout, done.stderr, time.perf_counter() - start)


def assert_clean(outcome: Outcome, what: str) -> None:
    problems = outcome.problems()
    assert not problems, f"{what}: {'; '.join(problems)}\nstderr: {outcome.err[-2000:]}"
