"""The Jinja tokens of OSMO's resource rules and pod templates: USER_* of a task, K8_* of a node.

Follows `ResourceSpec.get_allocatable_tokens` (src/utils/connectors/postgres.py) and
`build_resource_lookup_table` (src/utils/job/workflow.py) of NVIDIA/OSMO.
"""

from __future__ import annotations

import math
import re
from typing import Any, Protocol

RESOURCE_REGEX = re.compile(r"(?P<size>\d+(?:\.\d+)?)(?P<unit>[a-zA-Z]*)")
MEASUREMENTS = {
    "T": 10,
    "Ti": 10,
    "TiB": 10,
    "G": 0,
    "Gi": 0,
    "GiB": 0,
    "M": -10,
    "Mi": -10,
    "MiB": -10,
    "K": -20,
    "Ki": -20,
    "KiB": -20,
    "B": -30,
    "m": -40,
}
"""Binary shifts relative to Gi (OSMO's resource_quantities.MEASUREMENTS: every unit is binary)."""
MEASUREMENTS_SHORT = ("Ti", "Gi", "Mi", "Ki", "B", "m")

K8_TOKENS = ("K8_STORAGE", "K8_CPU", "K8_MEMORY", "K8_GPU")
"""A node's workflow-allocatable resources (OSMO's ALLOCATABLE_RESOURCES_LABELS)."""
_QUANTITY_TOKENS = tuple(
    f"USER_{kind}{suffix}"
    for kind in ("STORAGE", "MEMORY")
    for suffix in ("", "_VAL", "_UNIT", *(f"_{u}" for u in MEASUREMENTS_SHORT))
)
USER_TOKENS = ("USER_CPU", "USER_GPU", *_QUANTITY_TOKENS, "USER_EXCLUDED_NODES", "USER_CACHE")
"""Tokens of a task's resource request."""
POD_TOKENS = ("USER_CONTAINER_NAME", "WF_POOL")
"""Tokens pod templates may use besides USER_* (OSMO adds WF_* from the pod's osmo.* labels)."""


class Resources(Protocol):
    """What the tokens read of a task's resource spec."""

    cpu: int | None
    gpu: int | None
    memory: str | None
    storage: str | None
    nodesExcluded: list[str]


def convert(value: str, target: str) -> float:
    """`8Gi` in `target` units (OSMO's `convert_resource_value`); ValueError if not a quantity."""
    match = RESOURCE_REGEX.fullmatch(str(value))
    if match is None:
        raise ValueError(f"Failure in converting resource value {value}")
    unit = match.group("unit") or "B"
    if unit not in MEASUREMENTS:
        raise ValueError(f"Can not recognize {value}.")
    return float(match.group("size")) * 2.0 ** (MEASUREMENTS[unit] - MEASUREMENTS[target])


def _split(value: str | None) -> tuple[str | None, str | None]:
    match = RESOURCE_REGEX.fullmatch(value) if value else None
    if match is None:
        return None, None
    return match.group("size"), match.group("unit") or "B"


def _store(num: str | None, unit: str | None, out: dict[str, Any], prefix: str) -> None:
    out[f"{prefix}_VAL"] = num
    out[f"{prefix}_UNIT"] = unit
    for target in MEASUREMENTS_SHORT:
        out[f"{prefix}_{target}"] = convert(f"{num}{unit}", target) if num and unit else None


def user_tokens(
    res: Resources, default_variables: dict[str, Any], cache_size: str | None = None
) -> dict[str, Any]:
    """USER_* of a task over the pool's default variables (a None token takes the default)."""
    mapping: dict[str, Any] = {
        "USER_CPU": float(res.cpu) if res.cpu else None,
        "USER_GPU": int(res.gpu) if res.gpu else None,
    }
    for kind, value in (("STORAGE", res.storage), ("MEMORY", res.memory)):
        mapping[f"USER_{kind}"] = value
        _store(*_split(value), mapping, f"USER_{kind}")
    mapping["USER_EXCLUDED_NODES"] = f"ARRAY:[{','.join(res.nodesExcluded)}]"
    tokens = dict(default_variables)
    for key, value in mapping.items():
        if key not in tokens or value is not None:
            tokens[key] = value
    tokens["USER_CACHE"] = _cache(res.storage, cache_size)
    return tokens


def _cache(storage: str | None, cache_size: str | None) -> str | None:
    """USER_CACHE: the task's cacheSize (a quantity or a % of storage), else 90% of storage."""
    num, unit = _split(storage)
    if cache_size and cache_size.endswith("%"):
        try:
            percent = math.floor(float(cache_size[:-1]))
        except ValueError:
            return None
        return f"{math.floor(float(num or 0) * percent / 100)}{unit}"
    if cache_size:
        size, cache_unit = _split(cache_size)
        return cache_size if cache_unit != "B" or size is None else f"{convert(size, 'Ki')}Ki"
    return f"{math.floor(float(num or 0) * 0.9)}{unit or 'MiB'}"


def k8_tokens(cpu: float, memory: str, storage: str | None, gpus: int) -> dict[str, Any]:
    """K8_* of one node: memory and storage in Ki as OSMO writes them (`1048576.0Ki`)."""
    return {
        # unknown storage (a platform that declares none) renders None: storage rules skip it
        "K8_STORAGE": f"{convert(storage, 'Ki')}Ki" if storage else None,
        "K8_CPU": _count(cpu),
        "K8_MEMORY": f"{convert(memory, 'Ki')}Ki",
        "K8_GPU": str(gpus),
    }


def _count(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def exposed_fields(
    node: str, pool: str, platform: str, cpu: float, memory: str, storage: str | None, gpus: int
) -> dict[str, str]:
    """A node's row in OSMO's failure table (`BackendResource.exposed_fields`: sizes in Gi)."""
    return {
        "node": node,
        "pool/platform": str([f"{pool}/{platform}"]),
        "storage": str(int(convert(storage, "Gi"))) if storage else "-",
        "cpu": _count(cpu),
        "memory": str(int(convert(memory, "Gi"))),
        "gpu": str(gpus),
    }
