"""Opening the user's editor at a line (`e`): the command line for `$VISUAL`/`$EDITOR`."""

from __future__ import annotations

import os
import shlex


def editor_command(path: str, line: int | None, editor: str | None = None) -> list[str]:
    """`$VISUAL`/`$EDITOR` (default vi) opened at `line`: `+N FILE` (vi, emacs, nano, micro),
    except VS Code, which wants `-g FILE:N`."""
    editor = editor or os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    argv = shlex.split(editor)
    name = os.path.basename(argv[0]) if argv else ""
    if name in ("code", "codium", "code-insiders"):
        return [*argv, "-g", f"{path}:{line or 1}"]
    return [*argv, f"+{line}", path] if line else [*argv, path]
