"""OSMO's pod templates: merged by name in OSMO's order, rendered with a task's tokens.

Follows `recursive_dict_update`/`merge_lists_on_name` (src/lib/utils/common.py),
`_resolve_single_pool`/`_resolve_platform_fields` (src/service/core/config/configmap_loader.py)
and `substitute_pod_template_tokens`/`apply_pod_template` (src/utils/job/task.py) of NVIDIA/OSMO.
Merge order: the pool's `common_pod_template` in list order, then the platform's
`override_pod_template` in list order, then the result over the pod osmo-tui built.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

_ARRAY = re.compile(r"^ARRAY:\[(.*)\]$")
CTRL_CONTAINER = "osmo-ctrl"
"""OSMO's sidecar; osmo-tui runs no such container, so template entries for it are dropped."""


def merge_lists_on_name(first: list[Any], second: list[Any]) -> list[Any]:
    """Items of `second` with the `name` of an item of `first` merge into it; others append."""
    index = {v["name"]: i for i, v in enumerate(first) if isinstance(v, dict) and "name" in v}
    unmatched = []
    for value in second:
        if isinstance(value, dict) and value.get("name") in index:
            i = index[value["name"]]
            first[i] = recursive_dict_update(first[i], value, merge_lists_on_name)
        else:
            unmatched.append(value)
    first.extend(unmatched)
    return first


def recursive_dict_update(
    first: dict[str, Any],
    second: Mapping[str, Any],
    list_merge: Callable[[list[Any], list[Any]], list[Any]] | None = None,
) -> dict[str, Any]:
    """`second` over `first` (in place): dicts recurse, lists merge with `list_merge` or replace."""
    for key, value in second.items():
        if isinstance(value, dict):
            base = first.get(key)
            first[key] = recursive_dict_update(
                base if isinstance(base, dict) else {}, value, list_merge
            )
        elif list_merge and isinstance(value, list) and isinstance(first.get(key), list):
            first[key] = list_merge(first[key], value)
        else:
            first[key] = value
    return first


def merged(names: Iterable[str], templates: Mapping[str, Any]) -> dict[str, Any]:
    """The named templates merged in order (names were checked when the pool was loaded)."""
    out: dict[str, Any] = {}
    for name in names:
        if isinstance(templates.get(name), dict):
            out = recursive_dict_update(out, copy.deepcopy(templates[name]), merge_lists_on_name)
    return out


def substitute(template: dict[str, Any], tokens: dict[str, Any], render: Any) -> dict[str, Any]:
    """Every string rendered with `render(text, tokens)`; `ARRAY:[a,b]` becomes a list."""
    out = copy.deepcopy(template)
    _substitute(out, tokens, render)
    return out


def _substitute(node: dict[str, Any], tokens: dict[str, Any], render: Any) -> None:
    for key, value in node.items():
        if isinstance(value, dict):
            _substitute(value, tokens, render)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, dict):
                    _substitute(item, tokens, render)
                elif isinstance(item, str):
                    value[i] = _one(item, tokens, render)
        elif isinstance(value, str):
            node[key] = _one(value, tokens, render)


def _one(text: str, tokens: dict[str, Any], render: Any) -> Any:
    rendered = render(text, tokens)
    match = _ARRAY.fullmatch(rendered)
    return match.group(1).split(",") if match else rendered


def apply(pod: dict[str, Any], template: Mapping[str, Any]) -> dict[str, Any]:
    """The rendered template over a pod (OSMO's `apply_pod_template`), minus osmo-ctrl entries."""
    template = copy.deepcopy(dict(template))
    spec = template.get("spec")
    if isinstance(spec, dict) and isinstance(spec.get("containers"), list):
        spec["containers"] = [
            c
            for c in spec["containers"]
            if not (isinstance(c, dict) and c.get("name") == CTRL_CONTAINER)
        ]
    return recursive_dict_update(pod, template, merge_lists_on_name)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def derived(template: Mapping[str, Any]) -> dict[str, Any]:
    """What OSMO derives for a platform from its merged template: node selector, tolerations,
    and default mounts (mountPaths of non-ctrl containers). Ill-typed parts count as absent."""
    spec = template.get("spec")
    spec = spec if isinstance(spec, dict) else {}
    selector = spec.get("nodeSelector")
    mounts = [
        m["mountPath"]
        for c in _list(spec.get("containers"))
        if isinstance(c, dict) and c.get("name") != CTRL_CONTAINER
        for m in _list(c.get("volumeMounts"))
        if isinstance(m, dict) and m.get("mountPath")
    ]
    return {
        "node_selector": dict(selector) if isinstance(selector, dict) else {},
        "tolerations": _list(spec.get("tolerations")),
        "default_mounts": mounts,
    }
