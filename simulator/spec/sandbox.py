"""A sandboxed, time- and memory-limited Jinja render, as OSMO's `jinja_sandbox.py` does it.

OSMO renders in a worker process with `SandboxedEnvironment(undefined=StrictUndefined)`, 0.5 s
and 100 MiB per render. We fork a child per render: CPU time is limited by an ITIMER_PROF
signal, memory by RLIMIT_AS (current size + the allowance), and a wall-clock guard kills a child
that blocks. Errors come back in OSMO's words (`osmo_message`): `Jinja substitution failure:
<class ...>: <msg>` for Jinja's own errors, `Jinja Template Error: <msg>` for a type error.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from dataclasses import dataclass
from typing import Any

MAX_TIME = 0.5
"""Seconds of CPU one render may use (OSMO's `user_workflow_limits`)."""
MAX_MEMORY = 100 * 1024 * 1024
"""Bytes one render may allocate on top of the process (OSMO's `user_workflow_limits`)."""
_WALL_LIMIT = 20.0
"""A render that neither finishes nor burns CPU (blocked) is killed after this many seconds."""


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
    import jinja2
    import jinja2.sandbox

    try:
        env = jinja2.sandbox.SandboxedEnvironment(undefined=jinja2.StrictUndefined)
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

    if isinstance(exc, jinja2.TemplateError | TimeoutError | MemoryError):
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


def _child(text: str, data: dict[str, Any], write_fd: int, limits: Limits) -> None:
    """Body of the forked renderer: apply the limits, render, send JSON, exit (never returns)."""
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
        signal.setitimer(signal.ITIMER_PROF, limits.max_time)
        try:
            result = _render_here(text, data, limits)
        except TimeoutError:  # raised from the signal handler outside Jinja's frames
            result = _time_error(limits)
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


def sandboxed_render(text: str, data: dict[str, Any], limits: Limits = DEFAULT_LIMITS) -> str:
    """Render in a forked child limited to `limits.max_time` CPU seconds and
    `limits.max_memory` bytes on top of this process (in-process where fork does not exist)."""
    if hasattr(os, "fork"):
        result = _render_forked(text, data, limits)
    else:
        result = _render_here(text, data, limits)
    if "error" in result:
        raise RenderError(result["error"], result.get("line"))
    return str(result["text"])


def _start_error(exc: OSError) -> dict[str, Any]:
    message = f"Jinja substitution failure: cannot start the sandboxed renderer: {exc}"
    return {"error": message, "line": None}


def _render_forked(text: str, data: dict[str, Any], limits: Limits) -> dict[str, Any]:
    # Imported here, not at module level: files without Jinja never render (start-up time).
    import json
    import select
    import signal
    import time

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
        _child(text, data, write_fd, limits)
    os.close(write_fd)
    chunks: list[bytes] = []
    deadline = time.monotonic() + _WALL_LIMIT
    killed = False
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                os.kill(pid, signal.SIGKILL)
                killed = True
                break
            ready, _, _ = select.select([read_fd], [], [], remaining)
            if ready:
                chunk = os.read(read_fd, 1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
    finally:
        os.close(read_fd)
        os.waitpid(pid, 0)
    if killed:
        return _time_error(limits)
    try:
        return dict(json.loads(b"".join(chunks)))
    except ValueError:  # the child died without a result: the memory limit killed it
        return _memory_error(limits)
