"""Every key of the app in one table, and the user's overrides from a config file.

`~/.config/osmo-tui/keys.toml` (or `keys.yaml`) maps action ids to keys, e.g.::

    [keys]
    quit = "q,ctrl+q"
    cancel_workflow = "C"

Ids are the first column of `KEYS`; values are Textual key names, comma-separated.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from textual.binding import Binding

from simulator import inputs
from simulator.errors import UsageError

KEYS: tuple[tuple[str, str, str, str], ...] = (
    # id, default keys, action, description
    ("quit", "q", "quit", "Quit"),
    ("help", "question_mark", "help", "Help: every key"),
    ("rerun", "r", "rerun", "Start / re-run"),
    ("cancel_workflow", "c", "cancel_workflow", "Cancel the workflow"),
    ("cancel_task", "x", "cancel_task", "Cancel the selected task"),
    ("pause", "space", "pause", "Pause / resume playback"),
    ("step", "n", "step", "Step to the next event"),
    ("faster", "plus,equals_sign", "speed(1)", "Faster: 1x 10x 100x instant"),
    ("slower", "minus", "speed(-1)", "Slower"),
    ("scrub_back", "left_square_bracket", "scrub(-1)", "Scrub back one time point"),
    ("scrub_forward", "right_square_bracket", "scrub(1)", "Scrub forward"),
    ("scrub_start", "left_curly_bracket", "scrub_to(0)", "Scrub to the start"),
    ("scrub_live", "right_curly_bracket", "scrub_to(-1)", "Back to the live / final state"),
    ("search", "slash", "search", "Search task names (log text in the Task tab)"),
    ("filter", "f", "filter", "Filter by status: all, active, failed, completed, waiting"),
    ("edit", "e", "edit", "Open $EDITOR at the selected error / task"),
    ("tab_graph", "1", "tab('graph')", "Graph"),
    ("tab_tasks", "2", "tab('tasks')", "Task table"),
    ("tab_timeline", "3", "tab('timeline')", "Timeline"),
    ("tab_events", "4", "tab('events')", "Raw events"),
    ("tab_task", "5", "tab('task')", "Selected task: info, log, spec"),
    ("log_or_spec", "v", "log_or_spec", "Task tab: switch between the log and the rendered spec"),
    ("errors", "E", "focus_errors", "Focus the error list"),
    ("shell", "s", "shell", "Shell in the selected running task (Docker, Kubernetes)"),
    ("port_forward", "p", "port_forward", "Port-forward to the selected task / stop it"),
)
"""Screen-level keys; the widget keys are listed in `WIDGET_KEYS` (the help shows both)."""

WIDGET_KEYS: tuple[tuple[str, str], ...] = (
    ("up/down, j/k", "Move the cursor (graph, table, lists)"),
    ("left/right, h/l", "Graph: the box to the left / right in the same band"),
    ("enter", "Select a task / fold or unfold a group"),
    ("z", "Fold / unfold every group (graph)"),
    ("s", "Cycle the table's sort: spec, name, group, status, start, duration"),
    ("escape", "Close the search box"),
    ("tab", "Next pane"),
)

_FOOTER: dict[str, str] = {
    "quit": "Quit",
    "help": "Help",
    "rerun": "Re-run",
    "cancel_workflow": "Cancel",
    "pause": "Pause",
    "step": "Step",
    "faster": "Speed",
    "search": "Search",
    "filter": "Filter",
}
"""Short labels for the footer (the help screen shows the long ones)."""


def palette_entries(keymap: dict[str, str]) -> list[tuple[str, str, str]]:
    """(title, help, action) of every screen action, for the command palette; the help names the
    key, the user's own where `keys.toml` changed it."""
    out = []
    for key_id, keys, action, description in KEYS:
        shown = keymap.get(f"osmo.{key_id}", keys).split(",")[0]
        out.append((description, f"key: {_KEY_NAMES.get(shown, shown)}", action))
    return out


_KEY_NAMES = {
    "question_mark": "?",
    "space": "space",
    "plus": "+",
    "minus": "-",
    "slash": "/",
    "left_square_bracket": "[",
    "right_square_bracket": "]",
    "left_curly_bracket": "{",
    "right_curly_bracket": "}",
}


def bindings() -> list[Binding]:
    return [
        Binding(
            keys, action, _FOOTER.get(key_id, desc), id=f"osmo.{key_id}", show=key_id in _FOOTER
        )
        for key_id, keys, action, desc in KEYS
    ]


def config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "osmo-tui"


def _parse(source: Path) -> object:
    """The key file's data; one-line, located UsageErrors (the file's bytes are never shown)."""
    try:
        text = inputs.read_text(source, what="key map", max_bytes=inputs.MAX_CONFIG_BYTES)
    except inputs.InputError as exc:
        raise UsageError(str(exc)) from None
    if source.suffix == ".yaml":
        import yaml

        try:
            return inputs.load_yaml(text) or {}
        except yaml.YAMLError as exc:
            raise UsageError(_yaml_message(source, exc)) from None
    deep = inputs.bracket_nesting(text)
    if deep is not None:
        raise UsageError(
            f"{source}:{deep[0]}:{deep[1]}: nests deeper than {inputs.MAX_DEPTH} levels"
        )
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{source}: {exc}") from None


def _yaml_message(source: Path, exc: Any) -> str:
    mark = getattr(exc, "problem_mark", None)
    where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else str(source)
    return f"{where}: invalid YAML: {getattr(exc, 'problem', None) or 'not valid YAML'}"


def load_keymap(directory: Path | None = None) -> dict[str, str]:
    """Overrides as a Textual keymap (`osmo.<id>` -> keys); raises UsageError on a bad file."""
    directory = directory or config_path()
    toml_file, yaml_file = directory / "keys.toml", directory / "keys.yaml"
    try:
        source = next((f for f in (toml_file, yaml_file) if f.exists()), None)
    except OSError as exc:  # e.g. $XDG_CONFIG_HOME longer than the file system allows
        raise UsageError(f"{inputs.shown(directory)}: {exc.strerror}") from None
    if source is None:
        return {}
    data = _parse(source)
    keys = data.get("keys", data) if isinstance(data, dict) else None
    if not isinstance(keys, dict):
        raise UsageError(f'{source}: expected a [keys] table of action = "key"')
    known = {k[0] for k in KEYS}
    out: dict[str, str] = {}
    for key_id, value in keys.items():
        if key_id not in known:
            raise UsageError(
                f"{source}: unknown action {key_id!r}; known: {', '.join(sorted(known))}"
            )
        if not isinstance(value, str) or not value.strip():
            raise UsageError(f'{source}: {key_id} must be a key name such as "q" or "ctrl+q"')
        out[f"osmo.{key_id}"] = value
    return out
