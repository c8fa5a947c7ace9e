"""Entry point of `osmo-tui`: dispatch to a command, turn every error into one line and a code."""

from __future__ import annotations

import argparse
import contextlib
import errno
import gc
import importlib
import os
import sys
import types
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from simulator.errors import OsmoTuiError, crash_log

COMMANDS: tuple[str, ...] = (
    "validate",
    "render",
    "graph",
    "simulate",
    "run",
    "runs",
    "gc",
    "workflow",
)
"""Each name maps to `osmo_tui.cli.cmd_<name>`, which must import nothing heavy at module level."""


class _Parser(argparse.ArgumentParser):
    """argparse that exits 2 with one line (its default already does; keep the prefix ours)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # `--pool` must never silently mean `--pool-config`: no abbreviations, anywhere
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"osmo-tui: error: {message}\n")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The full parser; with `only` (a command name), just that command's subparser: each
    command module adds ~1-2 ms of argparse set-up and imports, paid on every start."""
    parser = _Parser(
        prog="osmo-tui",
        description="Validate, simulate and run NVIDIA OSMO workflows locally.",
        epilog="`osmo-tui FILE` opens the app on FILE (same as `osmo-tui run FILE`).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS if only is None else (only,):
        try:
            module = importlib.import_module(f"osmo_tui.cli.cmd_{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"osmo_tui.cli.cmd_{name}":
                raise
            continue
        module.register(sub)
    return parser


def _normalise(argv: list[str]) -> list[str]:
    """`osmo-tui FILE [opts]` is `osmo-tui run FILE [opts]`."""
    first = argv[0] if argv else ""
    is_file = first.endswith((".yaml", ".yml")) or (bool(first) and _is_file(first))
    if first not in COMMANDS and not first.startswith("-") and is_file:
        return ["run", *argv]
    return argv


def _not_utf8(args: list[str]) -> str:
    """Why an argument cannot be used ('' if all can): bytes that are not UTF-8 reach Python as
    lone surrogates, which every later write of the value (stdout, JSON, the sandbox) refuses."""
    for index, arg in enumerate(args, 1):
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError as exc:
            return f"argument {index} is not UTF-8 text (byte {exc.start + 1})"
    return ""


def _is_file(text: str) -> bool:
    try:
        return Path(text).is_file()
    except (OSError, ValueError):  # a name too long for the file system is no file either
        return False


PLUGIN_LOADER = "pydantic.plugin._loader"


def skip_pydantic_plugins() -> bool:
    """Run without third-party pydantic plugins, unless the user set PYDANTIC_DISABLE_PLUGINS.

    Plugins are observability hooks found through installed packages' entry points; osmo-tui's
    models are internal and there is nothing for them to watch. Setting the variable is
    pydantic's documented switch, but its loader module imports `importlib.metadata` (with
    `email`, `zipfile`, `csv`, `socket`) before reading it: ~20 ms, 15% of `osmo-tui validate`
    on a small file (`python -m benchmarks spec`). So the loader is also pre-seeded with the
    answer the variable gives, `get_plugins() -> ()`. Should a pydantic release move the loader,
    the seed goes unused and the variable alone still disables the plugins."""
    if "PYDANTIC_DISABLE_PLUGINS" in os.environ or PLUGIN_LOADER in sys.modules:
        return False
    os.environ["PYDANTIC_DISABLE_PLUGINS"] = "__all__"
    loader = types.ModuleType(PLUGIN_LOADER, "osmo-tui: pydantic plugins are disabled")
    loader.get_plugins = lambda: ()  # type: ignore[attr-defined]
    sys.modules[PLUGIN_LOADER] = loader
    return True


def main(argv: Sequence[str] | None = None) -> int:
    if argv is None:  # as the program; in-process callers keep their interpreter as it is
        skip_pydantic_plugins()
    code = _main(argv)
    if argv is None:
        # Run as the program (not called in-process): the interpreter's final collections would
        # walk every object pydantic and the command built, ~20 ms of a 150 ms `validate`;
        # frozen objects are skipped. Exit handlers and stream flushes still run as usual.
        gc.freeze()
    return code


def _main(argv: Sequence[str] | None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    bad = _not_utf8(args_list)
    if bad:
        print(f"osmo-tui: error: {bad}", file=sys.stderr)
        return 2
    args_list = _normalise(args_list)
    first = args_list[0] if args_list else ""
    parser = build_parser(first if first in COMMANDS else None)
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exc:  # usage error or --help: argparse printed it; in-process callers
        return exc.code if isinstance(exc.code, int) else 2  # get the code, not an exception
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        code: int = args.func(args)
        sys.stdout.flush()  # a full disk shows here, not as a traceback at interpreter exit
    except OsmoTuiError as exc:
        from simulator.inputs import printable

        print(f"osmo-tui: {printable(exc.render())}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("osmo-tui: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:
        if exc.errno not in _OUTPUT_ERRNOS:
            return _crash(exc)
        return _output_failed(exc)
    except Exception as exc:  # the user gets one line, the trace goes to a file
        return _crash(exc)
    return code


_OUTPUT_ERRNOS = frozenset({errno.EPIPE, errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EFBIG})
"""Errors of the place output goes (closed pipe, full disk): the user's world, not our bug."""


def _output_failed(exc: OSError) -> int:
    """One line for an output that cannot be written; stdout is pointed at /dev/null so the
    interpreter's final flush of what is still buffered cannot fail again."""
    stdout = sys.stdout
    if stdout is sys.__stdout__ and stdout is not None:  # not an in-process caller's stream
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), stdout.fileno())
    if exc.errno == errno.EPIPE:  # `osmo-tui graph wf.yaml | head`: the reader has left
        return 1
    target = exc.filename or "standard output"
    print(f"osmo-tui: cannot write {target}: {exc.strerror}", file=sys.stderr)
    return 1


def _crash(exc: BaseException) -> int:
    crash = crash_log(exc)
    print(f"osmo-tui: internal error: {exc!r} (details in {crash})", file=sys.stderr)
    return 70


if __name__ == "__main__":
    sys.exit(main())
