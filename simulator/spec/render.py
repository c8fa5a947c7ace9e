"""OSMO's template stage: top-level sections, `--set` typing, token protection and a sandboxed,
time- and memory-limited Jinja render (SPEC §1.1, §3.1; OSMO's `jinja_sandbox.py`).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import select
import signal
import time
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import yaml

from simulator.errors import UsageError

SECTION_RE = re.compile(
    r"^([a-zA-Z][a-zA-Z0-9_-]*):(.*?)(?=^[a-zA-Z][a-zA-Z0-9_-]*:|\Z)", re.M | re.S
)
ALLOWED_SECTIONS = ("workflow", "default-values", "version")
TEMPLATE_MARKERS = ("{%", "{{", "{#", "default-values")
TOKEN_RE = re.compile(r"{{(uuid|workflow_id|output|input:[^}]+|host:[^}]+)}}")
"""OSMO's special tokens, protected from Jinja (exactly, no spaces inside the braces)."""

MAX_TIME = 0.5
"""Seconds of CPU one render may use (OSMO's `user_workflow_limits`)."""
MAX_MEMORY = 100 * 1024 * 1024
"""Bytes one render may allocate on top of the process (OSMO's `user_workflow_limits`)."""
_WALL_LIMIT = 20.0
"""A render that neither finishes nor burns CPU (blocked) is killed after this many seconds."""


class SectionError(Exception):
    """OSMO's message for a bad top-level structure, with the 0-based line it is about."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


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


@dataclass
class Sections:
    workflow: str
    """The `workflow:` section exactly as written (the only text OSMO renders and keeps)."""
    workflow_line: int
    """0-based line of the file where the `workflow:` section starts."""
    defaults: dict[str, Any]
    """`default-values` (not templated), the Jinja context before `--set`."""
    defaults_line: int | None = None


def is_templated(text: str) -> bool:
    return any(marker in text for marker in TEMPLATE_MARKERS)


def split_sections(text: str) -> Sections:
    """Split a workflow file into its top-level sections with OSMO's errors."""
    found: dict[str, tuple[str, int]] = {}
    for match in SECTION_RE.finditer(text):
        key = match.group(1)
        line = text.count("\n", 0, match.start())
        if key not in ALLOWED_SECTIONS:
            raise SectionError(f'Unknown top-level key "{key}" found in the workflow spec.', line)
        if key in found:
            raise SectionError(f'Duplicate top-level key "{key}" found in the workflow spec.', line)
        found[key] = (match.group(0), line)
    if "workflow" not in found:
        raise SectionError("Workflow spec not found.", None)
    defaults: dict[str, Any] = {}
    defaults_line = None
    if "default-values" in found:
        section, defaults_line = found["default-values"]
        try:
            loaded = yaml.safe_load(section)["default-values"]
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = defaults_line + mark.line if mark is not None else defaults_line
            message = "Workflow spec is not properly formatted: " + " ".join(str(exc).split())
            raise SectionError(message, line) from None
        if loaded is not None and not isinstance(loaded, dict):
            raise SectionError(
                "default-values must be a mapping of variable names to values.", defaults_line
            )
        defaults = dict(loaded or {})
    workflow, workflow_line = found["workflow"]
    return Sections(workflow, workflow_line, defaults, defaults_line)


def typed_value(text: str) -> int | float | str:
    """`--set` typing: int, then float, then the text itself (`007` → 7, `1.10` → 1.1)."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def variables(
    defaults: dict[str, Any], set_values: Iterable[str] = (), set_strings: Iterable[str] = ()
) -> dict[str, Any]:
    """The Jinja context: defaults, then `--set` (typed, in order), then `--set-string` (text)."""
    data = dict(defaults)
    for item in set_values:
        if "=" not in item:
            raise UsageError(f"Data {item} is incorrectly formatted")
        key, value = item.split("=", 1)
        data[key] = typed_value(value)
    for item in set_strings:
        if "=" not in item:
            raise UsageError(f"Data {item} is incorrectly formatted")
        key, value = item.split("=", 1)
        data[key] = value
    return data


def protect_tokens(text: str, data: dict[str, Any]) -> str:
    """Replace OSMO tokens by md5-named Jinja variables that render back to the token."""
    import hashlib  # only templated files need it (start-up time)

    def hashed(match: re.Match[str]) -> str:
        inner = match.group(1)
        name = "hash" + str(int(hashlib.md5(inner.strip().encode()).hexdigest(), 16))
        data[name] = "{{" + inner + "}}"
        return "{{" + name + "}}"

    return TOKEN_RE.sub(hashed, text)


def render(text: str, data: dict[str, Any], limits: Limits = DEFAULT_LIMITS) -> str:
    """Protect tokens, then render `text` in the sandbox; raises RenderError."""
    if not any(marker in TOKEN_RE.sub("", text) for marker in ("{{", "{%", "{#")):
        # Only OSMO tokens: Jinja would give the text back unchanged (minus one trailing newline),
        # so skip it; this keeps large token-only specs well inside the render limits.
        return text[:-1] if text.endswith("\n") else text
    data = dict(data)
    text = protect_tokens(text, data)
    return sandboxed_render(text, data, limits)


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
        return {"error": f"Jinja substitution failure: {type(exc)}: {exc}", "line": None}
    except Exception as exc:
        line = getattr(exc, "lineno", None)
        tb = exc.__traceback__
        while tb is not None:  # Jinja rewrites frames so template lines show as "<template>"
            if tb.tb_frame.f_code.co_filename == "<template>":
                line = tb.tb_lineno
            tb = tb.tb_next
        return {"error": f"Jinja substitution failure: {type(exc)}: {exc}", "line": line}


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
        import resource

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


def _render_forked(text: str, data: dict[str, Any], limits: Limits) -> dict[str, Any]:
    import jinja2.sandbox  # noqa: F401  (imported before fork so the child starts warm)

    read_fd, write_fd = os.pipe()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork in a threaded app (the TUI)
        pid = os.fork()
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
