"""What OSMO's CLI does between its two renders: inline `localpath` files, re-dump, render again.

OSMO's CLI renders a templated spec (dry-run), loads it, replaces each `files[].localpath` by
`contents`, dumps it back to YAML and submits that, which the server renders a second time with
the same `--set` values but no `default-values` (SPEC §1.2, E7). So Jinja syntax that survives the
first pass (a bash `${#arr[@]}`, `{% raw %}` output, a `{{ var }}` inside a localpath file) is
rendered again. We only pay for the second pass when some string could change.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from simulator import inputs
from simulator.common import yamlpos
from simulator.common.locate import Locator
from simulator.common.yamlpos import Path as DocPath
from simulator.errors import SpecError, SpecErrors
from simulator.spec import render

_MARKERS = ("{%", "{{", "{#")


def _task_lists(data: Any) -> list[tuple[DocPath, list[Any]]]:
    workflow = data.get("workflow") if isinstance(data, dict) else None
    if not isinstance(workflow, dict):
        return []
    found: list[tuple[DocPath, list[Any]]] = []
    if isinstance(workflow.get("tasks"), list):
        found.append((("workflow", "tasks"), workflow["tasks"]))
    groups = workflow.get("groups")
    if isinstance(groups, list):
        for gi, group in enumerate(groups):
            if isinstance(group, dict) and isinstance(group.get("tasks"), list):
                found.append((("workflow", "groups", gi, "tasks"), group["tasks"]))
    return found


def inline_localpaths(data: Any, workflow_file: Path, locator: Locator, deps: list[Path]) -> None:
    """Replace every `localpath` by the file's text, relative to the workflow's directory."""
    errors: list[SpecError] = []
    base = workflow_file.parent
    for tasks_path, tasks in _task_lists(data):
        for ti, task in enumerate(tasks):
            files = task.get("files") if isinstance(task, dict) else None
            if not isinstance(files, list):
                continue
            for fi, entry in enumerate(files):
                if not isinstance(entry, dict) or "localpath" not in entry:
                    continue
                fpath: DocPath = (*tasks_path, ti, "files", fi)
                error = _inline_one(entry, base, fpath, locator, deps)
                if error:
                    errors.append(SpecError(error, locator.of((*fpath, "localpath"))))
    if errors:
        raise SpecErrors(errors)


def _inline_one(
    entry: dict[str, Any], base: Path, fpath: DocPath, locator: Locator, deps: list[Path]
) -> str | None:
    if "contents" in entry:
        return "Files tag dont support contents and localpath together"
    local = entry["localpath"]
    if not isinstance(local, str) or not local:
        return f"Invalid localpath: {local!r}"
    full = Path(os.path.abspath(base / os.path.expanduser(local)))
    if full not in deps:
        deps.append(full)
    try:
        entry["contents"] = inputs.read_text(full, what="localpath file")
    except inputs.InputError as exc:
        return _unreadable(full, exc)
    del entry["localpath"]
    positions = locator.positions
    if positions is not None:
        old = (*fpath, "localpath")
        for table in (positions.value, positions.key):
            if old in table:
                table[(*fpath, "contents")] = table[old]
    return None


def _unreadable(full: Path, exc: inputs.InputError) -> str:
    """OSMO's message for a missing file; ours, located in that file, for the rest."""
    if exc.message == "no such file":
        return f"The file/path {full} does not exist!"
    name = inputs.shown(full)
    if exc.content:
        where = f" (line {exc.location.line}, column {exc.location.column})"
        return f"The file/path {name} is {exc.message}{where}; use base64 contents for binary files"
    if exc.message.startswith("is "):
        return f"The file/path {name} {exc.message}; localpath only supports files"
    return f"The file/path {name} cannot be read: {exc.message}"


def _any_jinja(node: Any) -> bool:
    """Fast check (no paths) whether any key or string still holds Jinja syntax."""
    if isinstance(node, str):
        return "{" in node and _jinja_left(node)
    if isinstance(node, dict):
        return any(_any_jinja(k) or _any_jinja(v) for k, v in node.items())
    if isinstance(node, list):
        return any(_any_jinja(item) for item in node)
    return False


def _jinja_left(text: str) -> bool:
    if not any(m in text for m in _MARKERS):
        return False
    return any(m in render.TOKEN_RE.sub("", text) for m in _MARKERS)


def _strings(node: Any, path: DocPath) -> list[tuple[DocPath, str]]:
    """Every string (keys and values) that Jinja could change, with its document path."""
    found: list[tuple[DocPath, str]] = []
    stack: list[tuple[DocPath, Any]] = [(path, node)]
    while stack:
        here, value = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str) and _jinja_left(key):
                    found.append(((*here, key), key))
                stack.append(((*here, key), item))
        elif isinstance(value, list):
            stack.extend(((*here, i), item) for i, item in enumerate(value))
        elif isinstance(value, str) and _jinja_left(value):
            found.append((here, value))
    return found


def second_render(
    data: Any,
    set_only: dict[str, Any],
    locator: Locator,
    limits: render.Limits = render.DEFAULT_LIMITS,
) -> Any:
    """The server's render of the re-dumped spec; returns the (possibly changed) data."""
    if not _any_jinja(data):
        return data
    candidates = _strings(data, ())
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    text = yaml.dump(data, Dumper=dumper)
    try:
        out = render.render(text, set_only, limits)
    except render.RenderError as exc:
        where = locator.of(_culprit(candidates, text, exc.lineno, set_only, limits))
        raise SpecErrors([SpecError(exc.message, where)]) from None
    if out in (text, text.rstrip("\n")):
        return data
    try:
        return inputs.load_yaml(out)
    except yaml.YAMLError as exc:
        message = "Workflow spec is not properly formatted: " + " ".join(str(exc).split())
        raise SpecErrors([SpecError(message, locator.of(candidates[0][0]))]) from None


def _culprit(
    candidates: list[tuple[DocPath, str]],
    text: str,
    lineno: int | None,
    set_only: dict[str, Any],
    limits: render.Limits,
) -> DocPath:
    """The string that failed: the one written at Jinja's line of the dumped text when Jinja
    knows it and it fails alone, else the first (in document order) that fails alone, searched
    in one sandbox."""
    ordered = sorted(candidates, key=lambda c: [str(p) for p in c[0]])
    if not ordered:
        return ()
    if lineno is not None:
        found = _at_line(text, lineno - 1, {path for path, _ in ordered})
        # confirmed alone: Jinja puts an unclosed block at the end of the text, not where it opens
        if found is not None and _fails(dict(ordered)[found], set_only, limits):
            return found
    index = render.first_failing_text([t for _, t in ordered], set_only, limits)
    return ordered[index][0] if index is not None else ordered[0][0]


def _fails(text: str, set_only: dict[str, Any], limits: render.Limits) -> bool:
    try:
        render.render(text, set_only, limits)
    except render.RenderError:
        return True
    return False


def _at_line(text: str, line: int, paths: set[DocPath]) -> DocPath | None:
    """The candidate whose value (or key) starts last at or before `line` of the dumped text."""
    try:
        _, positions = yamlpos.load(text)
    except yamlpos.YamlError:
        return None
    best: tuple[int, DocPath] | None = None
    for table in (positions.value, positions.key):
        for path, (start, _col) in table.items():
            if path in paths and start <= line and (best is None or start > best[0]):
                best = (start, path)
    return best[1] if best else None
