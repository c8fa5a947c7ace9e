"""OSMO's special tokens ({{output}}, {{input:N}}, {{input:<task>}}, {{workflow_id}}, {{host:<task>}}).

OSMO substitutes them by regex over the JSON dump of each task (SPEC §3.2), so they work in every
string field; tokens it cannot resolve stay literal, which we report as warnings.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from simulator.spec.models import GroupSpec, TaskInput, TaskSpec

DATA_LOCATION = "/osmo/data"
OUTPUT_PATH = f"{DATA_LOCATION}/output"
_LEFTOVER = re.compile(r"{{[ ]*(uuid|workflow_id|output|input:[^}]*|host:[^}]*)[ ]*}}")


def input_path(index: int) -> str:
    """Where input `index` of a task is downloaded."""
    return f"{DATA_LOCATION}/input/{index}"


def _replace(text: str, key: str, value: str) -> str:
    pattern = re.compile(r"{{[ ]*" + re.escape(key) + r"[ ]*}}")
    encoded = json.dumps(value)[1:-1]
    return pattern.sub(lambda _: encoded, text)


def substitute_text(
    text: str,
    task: TaskSpec,
    *,
    group: GroupSpec,
    workflow_id: str,
    host_of: Callable[[str], str],
) -> str:
    """Substitute the tokens of `task` in a JSON text, in OSMO's order."""
    if "{{" not in text:
        return text
    for index, inp in enumerate(task.inputs):
        text = _replace(text, f"input:{index}", input_path(index))
        if isinstance(inp, TaskInput):
            # `wf-id:task` inputs are aliased by their task part; a later duplicate wins
            text = _replace(text, f"input:{inp.task.split(':')[-1]}", input_path(index))
    text = _replace(text, "output", OUTPUT_PATH)
    text = _replace(text, "workflow_id", workflow_id)
    for peer in group.tasks:
        text = _replace(text, f"host:{peer.name}", host_of(peer.name))
    return text


def substitute_tokens(
    task: TaskSpec,
    *,
    group: GroupSpec,
    workflow_id: str,
    host_of: Callable[[str], str],
) -> tuple[TaskSpec, list[str]]:
    """A copy of `task` with every token OSMO would substitute replaced, plus warnings for the
    tokens left literal (as OSMO leaves them)."""
    original = task.model_dump_json()
    text = substitute_text(original, task, group=group, workflow_id=workflow_id, host_of=host_of)
    if text == original:
        return task.model_copy(deep=True), leftover_warnings(text, task, group)
    new = TaskSpec.model_validate_json(text)
    new.lead = task.lead
    new.resources = task.resources
    return new, leftover_warnings(text, task, group)


def leftover_warnings(text: str, task: TaskSpec, group: GroupSpec) -> list[str]:
    """One warning per distinct token that stayed literal, saying why."""
    warnings: list[str] = []
    seen: set[str] = set()
    for match in _LEFTOVER.finditer(text):
        token = match.group(0)
        if token in seen:
            continue
        seen.add(token)
        inner = match.group(1)
        if inner == "uuid":
            why = "OSMO never substitutes {{uuid}}"
        elif token != "{{" + inner + "}}" or inner != inner.strip() or ": " in inner:
            why = "no spaces are allowed inside a token"
        elif inner.startswith("host:"):
            why = f'{{{{host:<task>}}}} only names tasks of the same group ("{group.name}")'
        elif inner.startswith("input:"):
            why = f"the task has {len(task.inputs)} input(s) and none matches"
        else:
            why = "it is not an OSMO token"
        warnings.append(f"Task {task.name}: token {token} is left as is: {why}.")
    return warnings


def unmatched_token_warnings(task: TaskSpec, group: GroupSpec) -> list[str]:
    """The warnings substitution would give, without substituting (fast, for validation)."""
    text = task.model_dump_json()
    if "{{" not in text:
        return []
    keys = {"output", "workflow_id"} | {f"host:{t.name}" for t in group.tasks}
    for index, inp in enumerate(task.inputs):
        keys.add(f"input:{index}")
        if isinstance(inp, TaskInput):
            keys.add(f"input:{inp.task.split(':')[-1]}")
    left = "".join(m.group(0) for m in _LEFTOVER.finditer(text) if m.group(1) not in keys)
    return leftover_warnings(left, task, group) if left else []
