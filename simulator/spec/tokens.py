"""OSMO's special tokens ({{output}}, {{input:N}}, {{input:<task>}}, {{workflow_id}}, {{host:<task>}}).

OSMO substitutes them by regex over the JSON dump of each task (SPEC §3.2), so they work in every
string field; tokens it cannot resolve stay literal, which we report as warnings.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from simulator.spec.models import GroupSpec, TaskInput, TaskSpec

DATA_LOCATION = "/osmo/data"
OUTPUT_PATH = f"{DATA_LOCATION}/output"
_LEFTOVER = re.compile(r"{{[ ]*(uuid|workflow_id|output|input:[^}]*|host:[^}]*)[ ]*}}")


def input_path(index: int) -> str:
    """Where input `index` of a task is downloaded."""
    return f"{DATA_LOCATION}/input/{index}"


_TOKEN = re.compile(r"{{[ ]*((?:input|host):[^}]*?|output|workflow_id)[ ]*}}")
"""Any token OSMO might substitute; OSMO's per-key pattern is `{{[ ]*<key>[ ]*}}`."""


def token_values(
    task: TaskSpec, *, group: GroupSpec, workflow_id: str, host_of: Callable[[str], str]
) -> dict[str, str]:
    """Token key → value for one task (later keys win, as OSMO's sequential replaces do)."""
    values: dict[str, str] = {}
    for index, inp in enumerate(task.inputs):
        values[f"input:{index}"] = input_path(index)
        if isinstance(inp, TaskInput):
            # `wf-id:task` inputs are aliased by their task part; a later duplicate wins
            values[f"input:{inp.task.split(':')[-1]}"] = input_path(index)
    values["output"] = OUTPUT_PATH
    values["workflow_id"] = workflow_id
    for peer in group.tasks:
        values[f"host:{peer.name}"] = host_of(peer.name)
    return values


def substitute_text(
    text: str,
    task: TaskSpec,
    *,
    group: GroupSpec,
    workflow_id: str,
    host_of: Callable[[str], str],
) -> str:
    """Substitute the tokens of `task` in a JSON text (one pass: values never hold tokens)."""
    if "{{" not in text:
        return text
    import json  # here, not at module level: `validate` never substitutes (start-up time)

    values = token_values(task, group=group, workflow_id=workflow_id, host_of=host_of)

    def replace(match: re.Match[str]) -> str:
        value = values.get(match.group(1))
        return match.group(0) if value is None else json.dumps(value)[1:-1]

    return _TOKEN.sub(replace, text)


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
    return new, leftover_warnings(text, task, group) if "{{" in text else []


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
    keys = token_values(task, group=group, workflow_id="", host_of=str).keys()
    left = "".join(m.group(0) for m in _LEFTOVER.finditer(text) if m.group(1) not in keys)
    return leftover_warnings(left, task, group) if left else []
