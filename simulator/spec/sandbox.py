"""A sandboxed, time- and memory-limited Jinja render, as OSMO's `jinja_sandbox.py` does it.

OSMO renders in a worker process with `SandboxedEnvironment(undefined=StrictUndefined)`, 0.5 s
(wall clock) and 100 MiB per render. We fork a child per render: CPU time is limited by an
ITIMER_PROF signal, memory by RLIMIT_AS (current size + the allowance), and the parent kills a
child still running shortly after the limit. A signal only interrupts Python between bytecodes,
so the operators that can run for minutes in one step (`3**(3**17)`, `'a' * 10**10`) are bounded
before they run, with the error OSMO would give for the time or memory they would take. Errors
come back as OSMO's `Jinja substitution failure: <class ...>: <msg>`.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from simulator.spec.jinja_bounds import bounded_environment

MAX_TIME = 0.5
"""Seconds of CPU one render may use (OSMO's `user_workflow_limits`)."""
MAX_MEMORY = 100 * 1024 * 1024
"""Bytes one render may allocate on top of the process (OSMO's `user_workflow_limits`)."""
_WALL_GRACE = 1.0
"""Seconds past the limit before the parent kills the child: fork and a loaded machine's
scheduling are not the template's time, and the CPU timer gives the precise error first."""


class RenderError(Exception):
    """`Jinja substitution failure: ...`, with the 1-based template line when Jinja knows it."""

    def __init__(self, message: str, lineno: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.lineno = lineno


@dataclass(frozen=True)
class Limits:
    """Per-render limits (OSMO's `user_workflow_limits`; the pool config may change them)."""

    max_time: float = MAX_TIME
    max_memory: int = MAX_MEMORY


DEFAULT_LIMITS = Limits()


def _render_here(text: str, data: dict[str, Any], limits: Limits) -> dict[str, Any]:
    """Render in this process; returns {"text"} or {"error", "line"} (never raises)."""

    try:
        env = bounded_environment(limits.max_time, limits.max_memory)
        return {"text": env.from_string(text).render(data)}
    except MemoryError:
        return _memory_error(limits)
    except RecursionError as exc:
        return {"error": osmo_message(exc), "line": None}
    except Exception as exc:
        line = getattr(exc, "lineno", None)
        tb = exc.__traceback__
        while tb is not None:  # Jinja rewrites frames so template lines show as "<template>"
            if tb.tb_frame.f_code.co_filename == "<template>":
                line = tb.tb_lineno
            tb = tb.tb_next
        return {"error": osmo_message(exc), "line": line}


def osmo_message(exc: Exception) -> str:
    """What OSMO answers for an exception out of its renderer: its sandbox wraps Jinja's errors
    (`jinja_sandbox.py`), `load_template_with_variables` wraps TypeError (`{{ 1 + 'a' }}`), and
    anything else reaches the service's top-level handler (HTTP 500)."""
    import jinja2

    if isinstance(exc, TimeoutError):  # our bounded operators' _TooLong too: OSMO's time limit
        return f"Jinja substitution failure: {TimeoutError}: {exc}"
    if isinstance(exc, jinja2.TemplateError | MemoryError):
        return f"Jinja substitution failure: {type(exc)}: {exc}"
    if isinstance(exc, TypeError):
        return f"Jinja Template Error: {exc}"
    return f"Internal server error: {exc}"


def _vm_size() -> int:
    with contextlib.suppress(OSError, ValueError), open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _memory_error(limits: Limits) -> dict[str, Any]:
    message = f"Sandboxed process exceeded memory limit of {limits.max_memory} bytes"
    return {"error": f"Jinja substitution failure: {MemoryError}: {message}", "line": None}


def _time_error(limits: Limits) -> dict[str, Any]:
    message = f"Process exceeded time limit of {limits.max_time} seconds"
    return {"error": f"Jinja substitution failure: {TimeoutError}: {message}", "line": None}


def _child(work: Callable[[], dict[str, Any]], write_fd: int, limits: Limits) -> None:
    """Body of the forked renderer: apply the limits, do the work, send JSON, exit (never
    returns)."""
    status = 0
    try:
        import json
        import resource
        import signal

        with contextlib.suppress(ValueError, OSError):
            limit = _vm_size() + limits.max_memory
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

        def _timeout(signum: int, frame: Any) -> None:
            raise TimeoutError(f"Process exceeded time limit of {limits.max_time} seconds")

        signal.signal(signal.SIGPROF, _timeout)
        result = work()
        signal.setitimer(signal.ITIMER_PROF, 0)
        payload = json.dumps(result).encode()
        view = memoryview(payload)
        while view:
            written = os.write(write_fd, view)
            view = view[written:]
    except BaseException:
        status = 1
    finally:
        os._exit(status)


def _timed(text: str, data: dict[str, Any], limits: Limits) -> dict[str, Any]:
    """One render under the CPU timer (in the child)."""
    import signal

    signal.setitimer(signal.ITIMER_PROF, limits.max_time)
    try:
        return _render_here(text, data, limits)
    except TimeoutError:  # raised from the signal handler outside Jinja's frames
        return _time_error(limits)
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)


def sandboxed_render(text: str, data: dict[str, Any], limits: Limits = DEFAULT_LIMITS) -> str:
    """Render in a forked child limited to `limits.max_time` CPU seconds and
    `limits.max_memory` bytes on top of this process (in-process where fork does not exist)."""
    if hasattr(os, "fork"):
        wall = limits.max_time + _WALL_GRACE
        result = _forked(lambda: _timed(text, data, limits), limits, wall)
        if result.get("killed"):
            result = _time_error(limits)
    else:
        result = _render_here(text, data, limits)
    if "error" in result:
        raise RenderError(result["error"], result.get("line"))
    return str(result["text"])


def first_failing(
    texts: list[str], data: dict[str, Any], limits: Limits = DEFAULT_LIMITS
) -> int | None:
    """Index of the first text that fails to render on its own, each under the limits, all in
    one child (thousands of strings must not mean thousands of processes); None when none
    fails or the search itself runs out of time."""

    def work() -> dict[str, Any]:
        for index, text in enumerate(texts):
            if "error" in _timed(text, data, limits):
                return {"index": index}
        return {"index": None}

    if not hasattr(os, "fork"):
        return next(
            (i for i, t in enumerate(texts) if "error" in _render_here(t, data, limits)), None
        )
    result = _forked(work, limits, limits.max_time + _WALL_GRACE)
    index = result.get("index")
    return index if isinstance(index, int) else None


def _start_error(exc: OSError) -> dict[str, Any]:
    message = f"Jinja substitution failure: cannot start the sandboxed renderer: {exc}"
    return {"error": message, "line": None}


def _forked(work: Callable[[], dict[str, Any]], limits: Limits, wall: float) -> dict[str, Any]:
    """`work()` in a forked child under the limits; {"killed": True} past `wall` seconds."""
    import jinja2.sandbox  # noqa: F401  (imported before fork so the child starts warm)

    try:
        read_fd, write_fd = os.pipe()
    except OSError as exc:
        return _start_error(exc)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # fork in a threaded app (TUI)
            pid = os.fork()
    except OSError as exc:  # out of processes: say so, never render unguarded
        os.close(read_fd)
        os.close(write_fd)
        return _start_error(exc)
    if pid == 0:
        os.close(read_fd)
        _child(work, write_fd, limits)
    os.close(write_fd)
    return _collect(pid, read_fd, limits, wall)


def _collect(pid: int, read_fd: int, limits: Limits, wall: float) -> dict[str, Any]:
    """The child's JSON result; kills it at the wall-clock deadline."""
    import json
    import select
    import signal
    import time

    chunks: list[bytes] = []
    deadline = time.monotonic() + wall
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                os.kill(pid, signal.SIGKILL)
                return {"killed": True}
            ready, _, _ = select.select([read_fd], [], [], remaining)
            if ready:
                chunk = os.read(read_fd, 1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
    finally:
        os.close(read_fd)
        os.waitpid(pid, 0)
    try:
        return dict(json.loads(b"".join(chunks)))
    except ValueError:  # the child died without a result: the memory limit killed it
        return _memory_error(limits)
