"""Entry point of `osmo-tui`: dispatch to a command, turn every error into one line and a code."""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from simulator.errors import OsmoTuiError

COMMANDS: tuple[str, ...] = ("validate", "render", "graph", "simulate", "run", "runs", "gc")
"""Each name maps to `osmo_tui.cli.cmd_<name>`, which must import nothing heavy at module level."""


class _Parser(argparse.ArgumentParser):
    """argparse that exits 2 with one line (its default already does; keep the prefix ours)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"osmo-tui: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="osmo-tui",
        description="Validate, simulate and run NVIDIA OSMO workflows locally.",
        epilog="`osmo-tui FILE` opens the app on FILE (same as `osmo-tui run FILE`).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
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
    is_file = first.endswith((".yaml", ".yml")) or (bool(first) and Path(first).is_file())
    if first not in COMMANDS and not first.startswith("-") and is_file:
        return ["run", *argv]
    return argv


def main(argv: Sequence[str] | None = None) -> int:
    args_list = _normalise(list(sys.argv[1:] if argv is None else argv))
    parser = build_parser()
    args = parser.parse_args(args_list)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        code: int = args.func(args)
    except OsmoTuiError as exc:
        print(f"osmo-tui: {exc.render()}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("osmo-tui: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # the user gets one line, the trace goes to a file
        crash = Path.home() / ".cache" / "osmo-tui" / "crash.log"
        try:
            crash.parent.mkdir(parents=True, exist_ok=True)
            crash.write_text(traceback.format_exc())
        except OSError:
            pass
        print(f"osmo-tui: internal error: {exc!r} (details in {crash})", file=sys.stderr)
        return 70
    return code


if __name__ == "__main__":
    sys.exit(main())
