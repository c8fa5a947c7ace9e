"""The local pool: what OSMO's pool and platform settings say, built from this host + a YAML file.

Pool-config file (`--pool-config P`, else `$OSMO_TUI_POOL_CONFIG`, else `./osmo-pool.yaml`, else
`~/.config/osmo-tui/pool.yaml`); every key is optional and merged over the built-in default::

    name: local                      # pool name used in messages
    default_platform: host           # platform of resources that name none
    max_retry_per_task: 0            # OSMO default: exit action RESCHEDULE needs > 0
    default_exit_actions: {RESCHEDULE: "3006"}   # applied when a task has no exitActions
    default_exec_timeout: 60d        # timeouts filled into workflows that omit them ...
    default_queue_timeout: 60d
    max_exec_timeout: 60d            # ... and the caps applied to any value
    max_queue_timeout: 60d
    max_pod_restart_limit: 30m       # start timeout: placed but not started this long fails
    max_num_tasks: 50                # set it to make "more than N tasks" an error (OSMO: 20)
    topology_keys: []                # keys `resources.*.topology[].key` may use
    gpu_guarantee: 8                 # GPUs a NORMAL/HIGH group may request (LOW: any)
    maintenance: false               # true: refuse submissions like a pool in maintenance
    max_render_time: 0.5             # CPU seconds and memory one Jinja render may use
    max_render_memory: 100Mi
    platforms:                       # merged per field over the built-in platforms;
      host: {privileged_allowed: true, allowed_mounts: [/data]}
      my-orin: {arch: arm64, cpu: 12, memory: 64Gi, gpus: 1, gpu_model: Orin, nodes: 1}
      t4: null                       # null removes a built-in platform

The built-in default holds `host` (this machine: cores, memory, `nvidia-smi` GPUs), `host-arm64`
when qemu-aarch64 is registered in binfmt_misc, and the well-known NVIDIA platforms of
`simulator.pool.platforms` as simulated nodes. Its default platform is `host` when the host has a
GPU, else the simulated `dgx-h100` (`gb200` on arm64), so GPU workflows validate on a laptop.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from simulator.pool import bounds, defaults
from simulator.pool.platforms import WELL_KNOWN, host_arch, host_gpus, host_platforms
from simulator.pool.rules import ResourceAssertion


def _empty_list() -> list[Any]:
    """`default_factory` of list fields: pydantic inspects the factory's signature on every
    `model_construct` default, which for the builtin `list` means tokenizing its text signature
    (~70 µs each; the built-in pool constructs ~60 defaults). A Python function is nearly free."""
    return []


def _empty_dict() -> dict[str, Any]:
    """`default_factory` of dict fields (see `_empty_list`)."""
    return {}


def _default_rules() -> dict[str, list[ResourceAssertion]]:
    return {
        name: [ResourceAssertion.model_construct(None, **rule) for rule in rules]
        for name, rules in defaults.RESOURCE_VALIDATIONS.items()
    }


class PlatformConfig(BaseModel):
    # defer_build: the built-in pool is trusted and constructed without validation, so a plain
    # `osmo-tui validate` never pays for building these schemas (start-up time, see bench_spec).
    model_config = ConfigDict(extra="forbid", defer_build=True)

    arch: Literal["amd64", "arm64"] = "amd64"
    """CPU architecture of the platform's nodes."""
    cpu: int = Field(8, ge=1, le=bounds.MAX_CPU)
    """Cores per node."""
    memory: str = "32Gi"
    """Memory per node."""
    storage: str | None = None
    """Ephemeral storage per node (None: not limited)."""
    gpus: int = Field(0, ge=0, le=bounds.MAX_GPUS)
    """GPUs per node."""
    gpu_model: str = ""
    """GPU model name, for display."""
    nodes: int = Field(1, ge=1, le=bounds.MAX_NODES)
    """Number of nodes (capacity for the simulator)."""
    simulated: bool = True
    """True for nodes that do not exist here (only the simulator can place work on them)."""
    privileged_allowed: bool = False
    """May tasks run `privileged: true`?"""
    host_network_allowed: bool = False
    """May tasks use `hostNetwork: true`?"""
    allowed_mounts: list[str] = Field(default_factory=_empty_list)
    """Host paths tasks may list in `volumeMounts`."""
    default_mounts: list[str] = Field(default_factory=_empty_list)
    """Host paths mounted into every task by the platform."""
    description: str = ""
    """One line for humans."""
    node_selector: dict[str, str] = Field(default_factory=_empty_dict)
    """Kubernetes backend: node labels the platform's pods require, besides `kubernetes.io/arch`."""
    tolerations: list[dict[str, Any]] = Field(default_factory=_empty_list)
    """Kubernetes backend: taints the platform's pods tolerate (Kubernetes toleration objects)."""
    default_variables: dict[str, Any] = Field(default_factory=_empty_dict)
    """OSMO: tokens for rules and pod templates, over the pool's `common_default_variables`."""
    resource_validations: list[str] = Field(default_factory=_empty_list)
    """OSMO: names of rule sets checked after the pool's `common_resource_validations`."""
    override_pod_template: list[str] = Field(default_factory=_empty_list)
    """OSMO: names of pod templates merged after the pool's `common_pod_template`."""

    @field_validator("memory", "storage", mode="before")
    @classmethod
    def _quantity(cls, value: Any, info: ValidationInfo) -> str | None:
        return None if value is None else bounds.quantity(str(info.field_name), value)


class PoolConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    name: str = "local"
    """Pool name, as OSMO's messages show it."""
    default_platform: str | None = None
    """Platform of resources that do not name one."""
    platforms: dict[str, PlatformConfig] = Field(default_factory=_empty_dict)
    """Platforms of the pool by name."""
    max_retry_per_task: int = Field(0, ge=0, le=bounds.MAX_RETRIES)
    """How many times RESCHEDULE may retry a task (OSMO's default 0 disables it)."""
    default_exit_actions: dict[str, str] = Field(default_factory=_empty_dict)
    """Exit actions of tasks that define none (e.g. {RESCHEDULE: "3006"})."""
    default_exec_timeout: str = "60d"
    """exec_timeout of workflows that set none."""
    default_queue_timeout: str = "60d"
    """queue_timeout of workflows that set none."""
    max_exec_timeout: str = "60d"
    """Longer exec_timeout values are cut down to this."""
    max_queue_timeout: str = "60d"
    """Longer queue_timeout values are cut down to this."""
    max_pod_restart_limit: str = "30m"
    """OSMO's start timeout (a service setting): an attempt placed on a node but not started
    (pulling its image, creating its container) this long fails FAILED_START_TIMEOUT."""
    max_num_tasks: int | None = Field(None, ge=1, le=bounds.MAX_TASKS)
    """None: OSMO's server default of 20 is only a warning; set: more tasks is an error."""
    topology_keys: list[str] = Field(default_factory=_empty_list)
    """Topology keys resources may require."""
    gpu_guarantee: int | None = Field(None, ge=-1, le=bounds.MAX_GUARANTEE)
    """OSMO's pool `resources.gpu.guarantee`: GPUs one group may request at NORMAL or HIGH
    priority (None or negative: no limit; LOW priority groups may always borrow)."""
    maintenance: bool = False
    """True refuses every submission, as OSMO does for a pool under maintenance."""
    max_render_time: float = Field(0.5, gt=0, le=bounds.MAX_RENDER_SECONDS, allow_inf_nan=False)
    """CPU seconds one Jinja render may take (OSMO's `user_workflow_limits`)."""
    max_render_memory: str = "100Mi"
    """Memory one Jinja render may allocate (OSMO's `user_workflow_limits`)."""
    resource_validations: dict[str, list[ResourceAssertion]] = Field(default_factory=_default_rules)
    """OSMO's `resourceValidations`: rule sets by name (default: the Helm chart's four)."""
    common_resource_validations: list[str] = Field(
        default_factory=lambda: list(defaults.COMMON_RESOURCE_VALIDATIONS)
    )
    """Rule sets every platform checks, in order (OSMO's pool field of that name)."""
    common_default_variables: dict[str, Any] = Field(
        default_factory=lambda: dict(defaults.COMMON_DEFAULT_VARIABLES)
    )
    """Token values tasks that ask nothing get (the chart's: 1 CPU, 0 GPU, 1Gi, 1Gi)."""
    pod_templates: dict[str, dict[str, Any]] = Field(default_factory=_empty_dict)
    """OSMO's `podTemplates` by name (Kubernetes pod fragments, strings rendered with Jinja)."""
    common_pod_template: list[str] = Field(default_factory=_empty_list)
    """Pod templates every platform's pods get, merged in order."""
    group_templates: dict[str, dict[str, Any]] = Field(default_factory=_empty_dict)
    """OSMO's `groupTemplates` by name (kept for `render --pods`; not created by any backend)."""
    common_group_templates: list[str] = Field(default_factory=_empty_list)
    """Group templates of the pool."""
    topology_labels: dict[str, str] = Field(default_factory=_empty_dict)
    """OSMO topology key -> Kubernetes node label (from an OSMO configuration's pool)."""
    pools: list[str] = Field(default_factory=_empty_list, exclude=True)
    """Every pool of the OSMO configuration this pool was picked from (for messages)."""
    source: str | None = Field(default=None, exclude=True)
    """The pool-config file merged into this pool, if any."""

    @field_validator("max_render_memory", mode="before")
    @classmethod
    def _memory(cls, value: Any) -> str:
        return bounds.quantity("max_render_memory", value)

    @field_validator(
        "default_exec_timeout",
        "default_queue_timeout",
        "max_exec_timeout",
        "max_queue_timeout",
        "max_pod_restart_limit",
        mode="before",
    )
    @classmethod
    def _duration(cls, value: Any, info: ValidationInfo) -> str:
        return bounds.duration(str(info.field_name), value)


def _builtin() -> dict[str, Any]:
    platforms: dict[str, Any] = {name: dict(spec) for name, spec in WELL_KNOWN.items()}
    platforms.update(host_platforms())
    fallback = "gb200" if host_arch() == "arm64" else "dgx-h100"
    default = "host" if host_gpus()[0] else fallback
    return {
        "name": "local",
        "default_platform": default,
        "platforms": platforms,
        # raw rules, so that a config's `resource_validations` merge per name over the chart's
        "resource_validations": dict(defaults.RESOURCE_VALIDATIONS),
    }


_BY_NAME = ("resource_validations", "pod_templates", "group_templates")
"""Named sections whose entries an override replaces one by one (null removes one)."""


def merge(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Pool-config merge: scalars replace, `platforms` merge per field, named sections per name;
    null removes a platform or a named entry."""
    merged = dict(base)
    for key, value in overrides.items():
        if key in _BY_NAME and isinstance(value, dict):
            entries = {**dict(merged.get(key) or {}), **value}
            merged[key] = {k: v for k, v in entries.items() if v is not None}
        elif key == "platforms" and isinstance(value, dict):
            platforms = dict(merged.get("platforms", {}))
            for name, spec in value.items():
                if spec is None:
                    platforms.pop(name, None)
                elif isinstance(spec, dict) and isinstance(platforms.get(name), dict):
                    platforms[name] = {**platforms[name], **spec}
                else:
                    platforms[name] = spec
            merged["platforms"] = platforms
        else:
            merged[key] = value
    return merged


def find_pool_config(path: str | os.PathLike[str] | None = None) -> Path | None:
    """The pool-config file to use, by the documented search order."""
    if path:
        return Path(path)
    env = os.environ.get("OSMO_TUI_POOL_CONFIG")
    if env:
        return Path(env)
    for candidate in (Path("osmo-pool.yaml"), Path.home() / ".config" / "osmo-tui" / "pool.yaml"):
        if candidate.is_file():
            return candidate
    return None


def pool_from_dict(data: dict[str, Any], *, source: str | None = None) -> PoolConfig:
    """Validate a pool dict (built-in shape merged with a config); SpecErrors when invalid."""
    from simulator.pool.reading import validate

    return validate(data, source, None)


def load_pool(
    path: str | os.PathLike[str] | None = None,
    *,
    overrides: dict[str, Any] | None = None,
    pool_name: str | None = None,
) -> PoolConfig:
    """The built-in pool merged with the pool-config file, then with `overrides` (a scenario's).

    The file is an osmo-tui pool config or OSMO's own configuration, whose pool `pool_name`
    (`--pool`) is picked as `osmo workflow submit --pool` does.
    """
    from simulator.pool import reading

    data = _builtin()
    source = find_pool_config(path)
    if source is None:
        reading.check_pool_name(pool_name, [data["name"]], "the built-in pool")
        if not overrides:
            return _builtin_pool(data)
        return reading.validate(merge(data, overrides), None, None)
    data, locator = reading.read(source, data, pool_name)
    if overrides:
        data = merge(data, overrides)
    return reading.validate(data, str(source), locator)


def _builtin_pool(data: dict[str, Any]) -> PoolConfig:
    """The built-in pool without validation (its values are ours and tested)."""
    platforms = {
        name: PlatformConfig.model_construct(**spec) for name, spec in data["platforms"].items()
    }
    return PoolConfig.model_construct(
        **{**data, "platforms": platforms, "resource_validations": _default_rules()}
    )
