"""Every key of the app in one table, and the user's overrides from a config file.

`~/.config/osmo-tui/keys.toml` (or `keys.yaml`) maps action ids to keys, e.g.::

    [keys]
    quit = "q,ctrl+q"
    cancel_workflow = "ctrl+k"

Ids are the first column of `KEYS`; values are Textual key names, comma-separated.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
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
    (
        "rerun_fresh",
        "R",
        "rerun_fresh",
        "Re-run, the selected task and what depends on it fresh (never reused)",
    ),
    ("cancel_workflow", "c", "cancel_workflow", "Cancel the workflow (asks first)"),
    ("cancel_group", "C", "cancel_group", "Cancel the selected task's group (asks first)"),
    ("cancel_task", "x", "cancel_task", "Cancel the selected task"),
    ("root_cause", "w", "root_cause", "Why it failed: the task that failed first, at its error"),
    ("what_if", "i", "what_if", "What if the task failed, was preempted, took longer (simulator)"),
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
    ("template_values", "t", "template_values", "Template values (--set) for this session"),
    ("shell", "s", "shell", "Shell in the selected running task (Docker, Kubernetes)"),
    ("port_forward", "p", "port_forward", "Port-forward to the selected task / stop it"),
)
"""Screen-level keys; the widget keys are listed in `WIDGET_KEYS` (the help shows both)."""

WIDGET_KEYS: tuple[tuple[str, str], ...] = (
    ("up/down, j/k", "Move the cursor (graph, table, lists)"),
    ("left/right, h/l", "Graph: the box to the left / right in the same band"),
    ("enter", "Select a task / fold or unfold a group"),
    ("z", "Fold / unfold every group (graph)"),
    ("o", "Cycle the table's order: spec, name, group, status, start, duration"),
    ("left/right, h/l", "Task table: scroll the columns sideways (the Task column stays)"),
    ("enter (timeline)", "Timeline: open the task in the detail / fold or unfold a group"),
    ("home/end", "Table, timeline: first / last row"),
    ("end, G", "Task log: follow new lines again (scrolling up stops following)"),
    ("escape", "Close the search box; else clear the search and status filter (views)"),
    ("tab", "Next pane"),
)

LEGEND: tuple[tuple[str, str], ...] = (
    ("· ◌ ◐", "waiting / scheduling (waiting for a node) / initializing (pulling the image)"),
    ("▶ ✔ ✖", "running / completed / failed (its own failure)"),
    ("↻  ↻2", "rescheduled (retried); on a box: the number of retries"),
    ("⇡", "failed upstream: a task it depends on failed (w: which one)"),
    ("⊘", "canceled"),
    ("★", "the lead task of its group (its end ends the group)"),
    ("▾ ▸", "an unfolded / folded group (enter folds, z folds all)"),
    ("✔3 ▶2", "on a folded group: how many of its tasks are in each status"),
    ("x3000", "the exit code that decided the task's fate (3000+: backend reasons)"),
    ("1g 8g", "GPUs the task asks for"),
    ("arm64", "the task's platform architecture (when not amd64), or its platform"),
    ("← a, b", "a group's upstream groups, where its edges are not drawn"),
    ("─ │ ▼", "dependency edges between groups (▼ into the group that waits)"),
    ("underlined", "a task the last reload changed or added (the header says which fields)"),
    ("↺", "reused from an earlier run (not run again)"),
    ("░ ▒ █ ▀", "timeline: scheduling / initializing / running / a group's span"),
    ("! line", "log: a line the task wrote to stderr; red lines: ERROR, error:, Traceback"),
)
"""Every glyph the views draw, for the help screen (`?`)."""


@dataclass(frozen=True, slots=True)
class Context:
    """What the footer's hints depend on: the view, the selection and the run's state."""

    tab: str = "graph"
    selected: bool = False
    running: bool = False
    """A run that can still be cancelled."""
    stepped: bool = True
    """Virtual time (simulator, replay): pause, step, speed and scrub apply."""
    paused: bool = False
    failed: bool = False
    """Some task failed (`w` has an answer)."""
    errors: bool = False
    """The workflow file has errors (edit them, focus their list)."""
    events: bool = False
    """The run has events to scrub through."""
    simulated: bool = False
    """The simulator runs this workflow file (what-if applies)."""
    reuses: bool = False
    """A real backend runs this workflow file (finished groups are reused: `R` runs fresh)."""
    missing_values: bool = False
    """The workflow stopped at an undefined template value (`t` gives it)."""
    width: int = 200
    """Footer cells for these hints (the terminal's width less what others show there)."""


def _shown(ctx: Context) -> dict[str, bool]:
    """Which keys the footer offers now (every key works whatever the footer shows)."""
    live = ctx.running
    return {
        "quit": True,
        "help": True,
        "rerun": True,
        "rerun_fresh": ctx.selected and ctx.reuses,
        "cancel_workflow": live,
        "cancel_group": live and ctx.selected,
        "cancel_task": live and ctx.selected,
        "root_cause": ctx.failed,
        "what_if": ctx.selected and ctx.simulated,
        "pause": ctx.stepped and live,
        "step": ctx.stepped and live and ctx.paused,
        "faster": ctx.stepped and live,
        "scrub_back": ctx.stepped and ctx.events,
        "scrub_forward": ctx.stepped and ctx.events,
        "search": True,
        "filter": ctx.tab in ("graph", "tasks"),
        "edit": ctx.errors or ctx.selected,
        "log_or_spec": ctx.selected or ctx.tab == "task",
        "errors": ctx.errors,
        "template_values": ctx.missing_values,
        **{f"tab_{tab}": True for tab in TABS},
    }


_FOOTER: dict[str, str] = {
    "quit": "Quit",
    "help": "Help",
    "rerun": "Re-run",
    "rerun_fresh": "Fresh",
    "cancel_workflow": "Cancel",
    "cancel_group": "Cancel group",
    "cancel_task": "Cancel task",
    "root_cause": "Why",
    "what_if": "What if",
    "pause": "Pause",
    "step": "Step",
    "faster": "Speed",
    "scrub_back": "Scrub",
    "scrub_forward": "Scrub",
    "search": "Search",
    "filter": "Filter",
    "edit": "Edit",
    "log_or_spec": "Log/Spec",
    "errors": "Errors",
    "template_values": "Values",
    "tab_graph": "Views",
    "tab_tasks": "Views",
    "tab_timeline": "Views",
    "tab_events": "Views",
    "tab_task": "Views",
}
"""Short labels for the footer (the help screen shows the long ones)."""

_GROUPS = {
    "Scrub": Binding.Group("Scrub", compact=True),
    "Views": Binding.Group("Views", compact=True),
}


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


PRIORITY: tuple[str, ...] = (
    "help",
    "pause",
    "cancel_task",
    "root_cause",
    "log_or_spec",
    "what_if",
    "cancel_workflow",
    "step",
    "tab_graph",
    "scrub_back",
    "template_values",
    "edit",
    "errors",
    "cancel_group",
    "faster",
    "search",
    "filter",
    "rerun",
    "rerun_fresh",
    "quit",
)
"""What the footer keeps first when the terminal is too narrow for every hint that applies."""

_COST = {"pause": 14, "faster": 9, "scrub_back": 11, "tab_graph": 16}
"""Footer cells of the wider items (keys with long names, groups); others: key + label + 3."""


def _fit(shown: dict[str, bool], ctx: Context) -> dict[str, bool]:
    """Keep the most useful applicable hints that fit in `ctx.width` cells."""
    budget = ctx.width
    labels = {k[0]: (k[1].split(",")[0], _FOOTER.get(k[0], "")) for k in KEYS}
    kept = set()
    for key_id in PRIORITY:
        if not shown.get(key_id):
            continue
        key, label = labels[key_id]
        cost = _COST.get(key_id, len(_KEY_NAMES.get(key, key)) + len(label) + 3)
        if cost <= budget:
            kept.add(key_id)
            budget -= cost
    for group in (("scrub_back", "scrub_forward"), tuple(f"tab_{t}" for t in TABS)):
        for key_id in group[1:]:
            shown[key_id] = group[0] in kept
    return {k: (k in kept or (v and k not in PRIORITY)) for k, v in shown.items()}


TABS = ("graph", "tasks", "timeline", "events", "task")


def bindings(ctx: Context | None = None) -> list[Binding]:
    """Every screen key; with a context, the footer shows only those that apply and fit (and
    Pause reads Resume while paused). Without one (the class's BINDINGS), the usual few."""
    shown = _fit(_shown(ctx), ctx) if ctx is not None else {}
    out = []
    for key_id, keys, action, desc in KEYS:
        label = _FOOTER.get(key_id, desc)
        if key_id == "pause" and ctx is not None and ctx.paused:
            label = "Resume"
        group = _GROUPS.get(label)
        show = shown.get(key_id, False) if ctx is not None else key_id in _DEFAULT_FOOTER
        binding = Binding(keys, action, label, show=show, id=f"osmo.{key_id}", group=group)
        out.append(binding)
    return out


_DEFAULT_FOOTER = ("quit", "help", "rerun", "cancel_workflow", "pause", "step", "faster")


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
