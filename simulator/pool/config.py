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

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from simulator.errors import Location, SpecError, SpecErrors, UsageError
from simulator.pool.platforms import WELL_KNOWN, host_arch, host_gpus, host_platforms
from simulator.spec.units import parse_duration, quantity_unit_error


def _empty_list() -> list[Any]:
    """`default_factory` of list fields: pydantic inspects the factory's signature on every
    `model_construct` default, which for the builtin `list` means tokenizing its text signature
    (~70 µs each; the built-in pool constructs ~60 defaults). A Python function is nearly free."""
    return []


def _empty_dict() -> dict[str, Any]:
    """`default_factory` of dict fields (see `_empty_list`)."""
    return {}


class PlatformConfig(BaseModel):
    # defer_build: the built-in pool is trusted and constructed without validation, so a plain
    # `osmo-tui validate` never pays for building these schemas (start-up time, see bench_spec).
    model_config = ConfigDict(extra="forbid", defer_build=True)

    arch: Literal["amd64", "arm64"] = "amd64"
    """CPU architecture of the platform's nodes."""
    cpu: int = 8
    """Cores per node."""
    memory: str = "32Gi"
    """Memory per node."""
    storage: str | None = None
    """Ephemeral storage per node (None: not limited)."""
    gpus: int = 0
    """GPUs per node."""
    gpu_model: str = ""
    """GPU model name, for display."""
    nodes: int = 1
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

    @field_validator("memory", "storage")
    @classmethod
    def _quantity(cls, value: str | None) -> str | None:
        if value is not None and quantity_unit_error("memory", str(value)):
            raise ValueError(f"invalid quantity {value!r}")
        return value


class PoolConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    name: str = "local"
    """Pool name, as OSMO's messages show it."""
    default_platform: str | None = None
    """Platform of resources that do not name one."""
    platforms: dict[str, PlatformConfig] = Field(default_factory=_empty_dict)
    """Platforms of the pool by name."""
    max_retry_per_task: int = 0
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
    max_num_tasks: int | None = None
    """None: OSMO's server default of 20 is only a warning; set: more tasks is an error."""
    topology_keys: list[str] = Field(default_factory=_empty_list)
    """Topology keys resources may require."""
    gpu_guarantee: int | None = None
    """OSMO's pool `resources.gpu.guarantee`: GPUs one group may request at NORMAL or HIGH
    priority (None or negative: no limit; LOW priority groups may always borrow)."""
    maintenance: bool = False
    """True refuses every submission, as OSMO does for a pool under maintenance."""
    max_render_time: float = 0.5
    """CPU seconds one Jinja render may take (OSMO's `user_workflow_limits`)."""
    max_render_memory: str = "100Mi"
    """Memory one Jinja render may allocate (OSMO's `user_workflow_limits`)."""
    source: str | None = Field(default=None, exclude=True)
    """The pool-config file merged into this pool, if any."""

    @field_validator("max_render_memory")
    @classmethod
    def _memory(cls, value: str) -> str:
        if quantity_unit_error("memory", str(value)):
            raise ValueError(f"invalid quantity {value!r}")
        return value

    @field_validator(
        "default_exec_timeout",
        "default_queue_timeout",
        "max_exec_timeout",
        "max_queue_timeout",
        "max_pod_restart_limit",
        mode="before",
    )
    @classmethod
    def _duration(cls, value: Any) -> str:
        parse_duration(value)
        return str(value)


def _builtin() -> dict[str, Any]:
    platforms: dict[str, Any] = {name: dict(spec) for name, spec in WELL_KNOWN.items()}
    platforms.update(host_platforms())
    fallback = "gb200" if host_arch() == "arm64" else "dgx-h100"
    default = "host" if host_gpus()[0] else fallback
    return {"name": "local", "default_platform": default, "platforms": platforms}


def merge(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Pool-config merge: scalars replace, `platforms` merge per field, null removes a platform."""
    merged = dict(base)
    for key, value in overrides.items():
        if key == "platforms" and isinstance(value, dict):
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


def _validate(data: dict[str, Any], source: str | None, positions: Any) -> PoolConfig:
    from simulator.spec.diagnostics import pydantic_errors

    file = source or "<built-in pool>"
    try:
        pool = PoolConfig.model_validate({**data, "source": source})
    except ValidationError as exc:
        raise SpecErrors(pydantic_errors(exc, data, positions, file)) from None
    if pool.default_platform and pool.default_platform not in pool.platforms:
        message = f"Default platform {pool.default_platform} does not exist in pool {pool.name}!"
        raise SpecErrors([SpecError(message, Location(file))])
    return pool


def pool_from_dict(data: dict[str, Any], *, source: str | None = None) -> PoolConfig:
    """Validate a pool dict (built-in shape merged with a config); SpecErrors when invalid."""
    return _validate(data, source, None)


def _read_config(source: Path) -> tuple[dict[str, Any], Any]:
    from simulator import inputs
    from simulator.spec import yamlpos

    try:
        text = inputs.read_text(source, what="pool config", max_bytes=inputs.MAX_CONFIG_BYTES)
    except inputs.InputError as exc:
        if exc.message == "no such file":
            raise UsageError(f"{source}: no such pool config file") from None
        raise SpecErrors(
            [SpecError(f"Cannot read pool config: {exc.message}", exc.location)]
        ) from None
    try:
        loaded, positions = yamlpos.load(text)
    except yamlpos.YamlError as exc:
        line = exc.line + 1 if exc.line is not None else None
        col = exc.column + 1 if exc.column is not None else None
        problem = " ".join(exc.text.split())
        raise SpecErrors(
            [
                SpecError(
                    f"Pool config is not properly formatted: {problem}",
                    Location(str(source), line, col),
                )
            ]
        ) from None
    if loaded is not None and not isinstance(loaded, dict):
        raise SpecErrors([SpecError("Pool config must be a mapping", Location(str(source), 1, 1))])
    return loaded or {}, positions


def load_pool(
    path: str | os.PathLike[str] | None = None, *, overrides: dict[str, Any] | None = None
) -> PoolConfig:
    """The built-in pool merged with the pool-config file, then with `overrides` (a scenario's)."""
    data = _builtin()
    source = find_pool_config(path)
    positions = None
    if source is not None:
        loaded, positions = _read_config(source)
        data = merge(data, loaded)
    if overrides:
        data = merge(data, overrides)
    if source is None and not overrides:
        return _builtin_pool(data)
    return _validate(data, str(source) if source else None, positions)


def _builtin_pool(data: dict[str, Any]) -> PoolConfig:
    """The built-in pool without validation (its values are ours and tested)."""
    platforms = {
        name: PlatformConfig.model_construct(**spec) for name, spec in data["platforms"].items()
    }
    return PoolConfig.model_construct(**{**data, "platforms": platforms})
