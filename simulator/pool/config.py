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
from typing import Any

from simulator.pool import defaults
from simulator.pool.models import PlatformConfig, PoolConfig, default_rules
from simulator.pool.platforms import WELL_KNOWN, host_arch, host_gpus, host_platforms

__all__ = ["PlatformConfig", "PoolConfig", "find_pool_config", "load_pool", "merge"]


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
        **{**data, "platforms": platforms, "resource_validations": default_rules()}
    )
