"""OSMO's own configuration document as a pool config: pick one pool, keep what validation uses.

Accepts the Helm chart's values (`configuration:` block, deployments/charts/osmo/values.yaml of
NVIDIA/OSMO), the block alone, or the service ConfigMap's `config.yaml` it renders to (snake_case
section names, templates/configs.yaml). The pool is picked as `osmo workflow submit --pool` does.
"""

from __future__ import annotations

from typing import Any

from simulator.errors import SpecError

SECTIONS = {
    "podTemplates": "pod_templates",
    "resourceValidations": "resource_validations",
    "groupTemplates": "group_templates",
    "backendTests": "backend_tests",
}
"""Chart spelling -> ConfigMap spelling of the named sections."""
_KNOWN = {
    "service", "workflow", "pools", "backends", "roles", "backend_tests", "pod_templates",
    "resource_validations", "group_templates", *SECTIONS,
    "enabled", "extraConfigMaps", "extraAnnotations",
}  # fmt: skip
_MARKERS = {"configuration", "pools", "backends", "workflow", "roles", *SECTIONS}
_POOL_KEYS = (
    "default_platform", "default_exit_actions", "common_default_variables",
    "common_resource_validations", "common_pod_template", "common_group_templates",
)  # fmt: skip
_TIMEOUTS = (
    "default_exec_timeout",
    "default_queue_timeout",
    "max_exec_timeout",
    "max_queue_timeout",
)
_PLATFORM_KEYS = (
    "description", "host_network_allowed", "privileged_allowed", "allowed_mounts",
    "default_variables", "resource_validations", "override_pod_template",
)  # fmt: skip
_CAPACITY = ("arch", "cpu", "memory", "storage", "gpus", "gpu_model", "nodes", "simulated")

Path = tuple[Any, ...]


class ShapeError(Exception):
    """The document is not OSMO's shape (message, path of the offending key or value)."""

    def __init__(self, message: str, path: Path, *, key: bool = False) -> None:
        super().__init__(message)
        self.message, self.path, self.key = message, path, key


def is_osmo(doc: dict[str, Any]) -> bool:
    """OSMO's configuration (or chart values) rather than an osmo-tui pool config."""
    return any(key in doc for key in _MARKERS)


def sections(doc: dict[str, Any]) -> tuple[dict[str, Any], Path, dict[str, str]]:
    """The configuration block (snake_case section names), its path in the document, and the
    key each section is written under."""
    prefix: Path = ()
    root = doc
    if "configuration" in doc:
        root, prefix = doc["configuration"], ("configuration",)
        if not isinstance(root, dict):
            raise ShapeError("configuration: must be a mapping", prefix)
    out: dict[str, Any] = {}
    written: dict[str, str] = {}
    for key, value in root.items():
        if key not in _KNOWN:
            message = f"Unknown key {key!r} in OSMO's configuration: expected {', '.join(sorted(_KNOWN - set(SECTIONS)))}"
            raise ShapeError(message, (*prefix, key), key=True)
        if value is not None and key not in ("enabled",) and not isinstance(value, dict | list):
            raise ShapeError(f"{key}: must be a dict, got {type(value).__name__}", (*prefix, key))
        out[SECTIONS.get(key, key)] = value
        written[SECTIONS.get(key, key)] = key
    return out, prefix, written


def pick(pools: Any, name: str | None, source: str, where: Path) -> str:
    """The pool to use: `name`, else the only one, else `default` (OSMO's chart pool)."""
    if not isinstance(pools, dict) or not pools:
        raise ShapeError("pools: must be a non-empty dict of pools", where)
    if name is not None and name not in pools:
        raise SpecError(f"Pool {name} not found. Pools in {source}: {', '.join(map(str, pools))}")
    if name is not None:
        return name
    if len(pools) == 1:
        return str(next(iter(pools)))
    if "default" in pools:
        return "default"
    raise SpecError(
        f"{source} has several pools ({', '.join(map(str, pools))}): pick one with --pool"
    )


def to_pool(
    doc: dict[str, Any], name: str | None, source: str, capacity: dict[str, dict[str, Any]]
) -> tuple[dict[str, Any], dict[Path, Path]]:
    """The osmo-tui pool dict of pool `name` and, per pool-dict path, the document path.

    `capacity` gives node shapes by platform name (`host` for platforms osmo-tui does not know:
    OSMO learns capacities from its cluster's nodes, a config file has none).
    """
    root, prefix, written = sections(doc)
    pool_name = pick(root.get("pools"), name, source, (*prefix, "pools"))
    pool = root["pools"][pool_name]
    ppath: Path = (*prefix, "pools", pool_name)
    if not isinstance(pool, dict):
        raise ShapeError(f"pools.{pool_name}: must be a dict", ppath)
    out: dict[str, Any] = {"name": str(pool_name), "pools": [str(p) for p in root["pools"]]}
    paths: dict[Path, Path] = {(): ppath}
    out.update(_workflow(root.get("workflow") or {}))
    paths.update({(k,): (*prefix, "workflow", k) for k in out if k not in ("name", "pools")})
    paths[("max_render_time",)] = (*prefix, "workflow", "user_workflow_limits")
    out["default_platform"] = None  # OSMO: a pool without one has none (not osmo-tui's)
    out.update({k: pool[k] for k in _POOL_KEYS if pool.get(k) is not None})
    out.update({k: pool[k] for k in _TIMEOUTS if pool.get(k)})
    _pool_extras(pool, out)
    for section in ("resource_validations", "pod_templates", "group_templates"):
        if root.get(section) is not None:
            out[section] = root[section]
            paths[(section,)] = (*prefix, written[section])
    out["platforms"] = _platforms(pool.get("platforms"), capacity, (*ppath, "platforms"))
    paths[("platforms",)] = (*ppath, "platforms")
    _default_mounts(out)
    return out, paths


def _workflow(workflow: dict[str, Any]) -> dict[str, Any]:
    """The `workflow:` settings a pool config holds (OSMO's WorkflowConfig defaults apply)."""
    out: dict[str, Any] = {"max_num_tasks": workflow.get("max_num_tasks", 20)}
    for key in ("max_retry_per_task", *_TIMEOUTS):
        if key in workflow:
            out[key] = workflow[key]
    limits = workflow.get("user_workflow_limits") or {}
    if isinstance(limits, dict) and "jinja_sandbox_max_time" in limits:
        out["max_render_time"] = limits["jinja_sandbox_max_time"]
    return out


def _pool_extras(pool: dict[str, Any], out: dict[str, Any]) -> None:
    out["maintenance"] = bool(pool.get("enable_maintenance", False))
    gpu = (
        ((pool.get("resources") or {}).get("gpu") or {})
        if isinstance(pool.get("resources"), dict)
        else {}
    )
    if isinstance(gpu, dict) and isinstance(gpu.get("guarantee"), int) and gpu["guarantee"] >= 0:
        out["gpu_guarantee"] = gpu["guarantee"]
    keys = [k for k in pool.get("topology_keys") or [] if isinstance(k, dict)]
    out["topology_keys"] = [str(k.get("key")) for k in keys]
    out["topology_labels"] = {str(k.get("key")): str(k.get("label")) for k in keys}


def _platforms(platforms: Any, capacity: dict[str, dict[str, Any]], where: Path) -> dict[str, Any]:
    if platforms is None:
        return {}
    if not isinstance(platforms, dict):
        raise ShapeError("platforms: must be a dict of platforms", where)
    out: dict[str, Any] = {}
    for name, spec in platforms.items():
        spec = spec or {}
        if not isinstance(spec, dict):
            raise ShapeError(f"platforms.{name}: must be a dict", (*where, name))
        shape = capacity.get(str(name)) or capacity["host"]
        out[str(name)] = {
            **{k: shape[k] for k in _CAPACITY if k in shape},
            **{k: spec[k] for k in _PLATFORM_KEYS if spec.get(k) is not None},
            **{k: spec[k] for k in _CAPACITY if spec.get(k) is not None},
        }
    return out


def _default_mounts(pool: dict[str, Any]) -> None:
    """OSMO derives a platform's default mounts from its merged pod template's volumeMounts."""
    from simulator.pool import podtemplates

    templates = pool.get("pod_templates")
    templates = templates if isinstance(templates, dict) else {}
    common = pool.get("common_pod_template")
    common = common if isinstance(common, list) else []
    for spec in pool["platforms"].values():
        override = spec.get("override_pod_template")
        names = [*common, *(override if isinstance(override, list) else [])]
        merged = podtemplates.merged([n for n in names if isinstance(n, str)], templates)
        mounts = podtemplates.derived(merged)["default_mounts"]
        if mounts:
            spec["default_mounts"] = mounts


def source_path(native: Path, paths: dict[Path, Path]) -> Path:
    """The document path of a pool-dict path (longest mapped prefix)."""
    for size in range(len(native), -1, -1):
        if native[:size] in paths:
            return (*paths[native[:size]], *native[size:])
    return native
