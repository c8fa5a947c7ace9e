"""Read a task's rendered script for what it literally does: `sleep N`, a final `exit N`, `echo`.

Only literal text counts (no shell evaluation): a plain OSMO workflow whose non-lead does
`sleep 10; exit 3` simulates realistically without any scenario.
"""

from __future__ import annotations

import re
from typing import Any

from simulator.backends.scenario import InferredTask
from simulator.spec.kubeexpand import expand_argv, expand_environment

_SLEEP = re.compile(r"(?<![\w.-])sleep\s+(infinity|inf|\d+(?:\.\d+)?)([smhd]?)(?![\w.])")
_EXIT = re.compile(r"exit\s+(\d+)")
_ECHO = re.compile(r"""^echo\s+(?:-[neE]+\s+)?(?:"([^"$`\\]*)"|'([^']*)'|([^"'$`;&|<>\\]*))$""")
_UNIT = {"": 1.0, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_MAX_LOGS = 50


def _argv(spec: Any) -> tuple[list[str], list[str]]:
    """Command and args as the container gets them: the kubelet expands `$(VAR)` from the
    task's environment first (`sleep $(DUR)` with DUR=5 is a literal `sleep 5`)."""
    environment = getattr(spec, "environment", None) or {}
    env = expand_environment((str(k), str(v)) for k, v in environment.items())
    command = expand_argv((str(c) for c in getattr(spec, "command", None) or []), env)
    return command, expand_argv((str(a) for a in getattr(spec, "args", None) or []), env)


def _texts(spec: Any) -> list[tuple[str, str]]:
    """(where, text) pieces of the task: command, args, files' contents."""
    if spec is None:
        return []
    pieces: list[tuple[str, str]] = []
    command, args = _argv(spec)
    if command:
        pieces.append(("command", " ".join(str(c) for c in command)))
    for arg in args:
        pieces.append(("args", str(arg)))
    for item in getattr(spec, "files", None) or []:
        contents = getattr(item, "contents", None)
        if isinstance(contents, str) and not getattr(item, "base64", False):
            pieces.append((f"file {getattr(item, 'path', '?')}", contents))
    return pieces


def _script(spec: Any) -> tuple[str, str] | None:
    """The script the container runs: `sh -c X`, a `files` entry it executes, else its args."""
    if spec is None:
        return None
    command, args = _argv(spec)
    argv = command + args
    if "-c" in argv:
        index = argv.index("-c")
        if index + 1 < len(argv):
            return ("command", argv[index + 1])
    files = {getattr(f, "path", None): f for f in getattr(spec, "files", None) or []}
    for word in reversed(argv):
        item = files.get(word)
        if item is not None and isinstance(getattr(item, "contents", None), str):
            return (f"file {word}", item.contents)
    if argv:
        return ("command", argv[-1])
    return None


def final_exit(script: str) -> int | None:
    """The code of a top-level `exit N` that ends the script (comments and blank lines ignored)."""
    lines = [ln for ln in script.splitlines() if ln.strip() and not ln.strip().startswith("#")]
    if not lines:
        return None
    last = lines[-1]
    if last[:1].isspace() and len(lines) > 1:
        return None  # indented: inside a block, not top level
    statement = [s.strip() for s in last.split(";") if s.strip()]
    if not statement:
        return None
    match = _EXIT.fullmatch(statement[-1])
    return int(match.group(1)) % 256 if match else None


def echoes(script: str) -> list[str]:
    """Lines a literal `echo` prints (no variables, no command substitution)."""
    out: list[str] = []
    for raw in script.splitlines():
        for part in raw.split(";"):
            match = _ECHO.match(part.strip())
            if match:
                out.append(next(g for g in match.groups() if g is not None).strip())
                if len(out) >= _MAX_LOGS:
                    return out
    return out


def infer_task(spec: Any) -> InferredTask:
    """What the task's script literally says about its duration, exit code and output."""
    total = 0.0
    found: list[str] = []
    for where, text in _texts(spec):
        for amount, unit in _SLEEP.findall(text):
            if amount in ("infinity", "inf"):
                total = float("inf")
                found.append(f"sleep infinity in {where}")
            else:
                total += float(amount) * _UNIT[unit]
                found.append(f"sleep {amount}{unit} in {where}")
    duration = total if found else None
    dsrc = ""
    if found:
        dsrc = "literal " + ", ".join(found[:4]) + (" ..." if len(found) > 4 else "")
    script = _script(spec)
    logs: list[str] = []
    code = None
    esrc = ""
    for _ in range(3):  # follow `bash /tmp/run.sh` at the end of a script into that file
        if script is None:
            break
        logs += echoes(script[1])
        code = final_exit(script[1])
        if code is not None:
            esrc = f"final `exit {code}` of {script[0]}"
            break
        script = _runs_file(spec, script[1])
    return InferredTask(duration, code, tuple(logs[:_MAX_LOGS]), dsrc, esrc)


def _runs_file(spec: Any, script: str) -> tuple[str, str] | None:
    """The `files` entry a script ends by running (`bash f`, `sh f`, `source f`, `. f`, `f`)."""
    lines = [
        ln.strip() for ln in script.splitlines() if ln.strip() and not ln.strip().startswith("#")
    ]
    if not lines:
        return None
    words = lines[-1].split(";")[-1].split()
    if words and words[0] in ("bash", "sh", "source", ".", "exec"):
        words = words[1:]
    if not words:
        return None
    for item in getattr(spec, "files", None) or []:
        if getattr(item, "path", None) == words[0] and isinstance(
            getattr(item, "contents", None), str
        ):
            return (f"file {words[0]}", item.contents)
    return None
