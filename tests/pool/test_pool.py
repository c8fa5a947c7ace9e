"""The local pool: built-in platforms, the pool-config file, and the checks made against it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from simulator.errors import SpecErrors, UsageError
from simulator.pool.config import find_pool_config, load_pool, merge
from simulator.pool.platforms import WELL_KNOWN
from tests.spec.helpers import errors, load, task, wf

COOKBOOK_PLATFORMS = ("ovx-a40", "agx-orin-jp6", "agx-orin-jp7", "ovx-l40", "dgx-h100")


def test_builtin_pool_has_host_and_well_known_platforms() -> None:
    pool = load_pool()
    assert pool.name == "local" and pool.source is None
    assert pool.platforms["host"].simulated is False
    assert pool.platforms["host"].cpu >= 1
    names = (
        "dgx-h100",
        "dgx-a100",
        "dgx-b200",
        "gb200",
        "ovx-a40",
        "ovx-l40",
        "l40s",
        "a10",
        "t4",
        "agx-orin-jp6",
        "jetson-agx-thor",
        "igx-orin",
        *COOKBOOK_PLATFORMS,
    )
    for name in names:
        assert pool.platforms[name].simulated, name
    assert pool.platforms["agx-orin-jp6"].arch == "arm64"
    assert pool.platforms["jetson-agx-thor"].arch == "arm64"
    assert pool.platforms["dgx-h100"].gpus == 8
    assert pool.default_platform in pool.platforms
    assert pool.platforms[pool.default_platform].gpus >= 1  # GPU workflows validate anywhere
    assert set(WELL_KNOWN) <= set(pool.platforms)


def test_emulated_arm64_platform(monkeypatch: pytest.MonkeyPatch) -> None:
    from simulator.pool import platforms

    monkeypatch.setattr(platforms, "emulated_arches", lambda: ["arm64"])
    pool = load_pool()
    assert pool.platforms["host-arm64"].arch == "arm64"
    assert not pool.platforms["host-arm64"].simulated


def test_pool_config_merges(tmp_path: Path) -> None:
    path = tmp_path / "pool.yaml"
    path.write_text(
        "name: lab\ndefault_platform: box\nmax_retry_per_task: 2\n"
        "default_exit_actions: {RESCHEDULE: '3006'}\n"
        "platforms:\n  box: {arch: arm64, cpu: 4, memory: 8Gi, gpus: 1, simulated: false}\n"
        "  host: {privileged_allowed: true}\n  t4: null\n"
    )
    pool = load_pool(path)
    assert pool.name == "lab" and pool.max_retry_per_task == 2
    assert pool.default_exit_actions == {"RESCHEDULE": "3006"}
    assert pool.platforms["box"].arch == "arm64"
    assert pool.platforms["host"].privileged_allowed and pool.platforms["host"].cpu >= 1
    assert "t4" not in pool.platforms
    assert pool.source == str(path)


def test_overrides_merge_last(tmp_path: Path) -> None:
    pool = load_pool(overrides={"max_retry_per_task": 3, "platforms": {"t4": {"nodes": 9}}})
    assert pool.max_retry_per_task == 3 and pool.platforms["t4"].nodes == 9
    assert pool.platforms["t4"].gpus == 1
    assert merge({"a": 1}, {"a": 2}) == {"a": 2}


def test_pool_config_search_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert find_pool_config() is None
    home = Path.home() / ".config" / "osmo-tui"
    home.mkdir(parents=True)
    (home / "pool.yaml").write_text("name: home\n")
    assert load_pool().name == "home"
    (tmp_path / "osmo-pool.yaml").write_text("name: cwd\n")
    assert load_pool().name == "cwd"
    env = tmp_path / "env.yaml"
    env.write_text("name: env\n")
    monkeypatch.setenv("OSMO_TUI_POOL_CONFIG", str(env))
    assert load_pool().name == "env"
    assert load_pool(tmp_path / "osmo-pool.yaml").name == "cwd"


def test_bad_pool_config_is_located(tmp_path: Path) -> None:
    path = tmp_path / "pool.yaml"
    path.write_text("name: lab\nplatforms:\n  box: {arch: sparc}\n")
    with pytest.raises(SpecErrors) as info:
        load_pool(path)
    (error,) = info.value.errors
    assert error.location is not None and error.location.line == 3
    assert "platforms.box.arch" in error.message
    path.write_text("default_platform: nowhere\n")
    with pytest.raises(SpecErrors, match="Default platform nowhere does not exist in pool local!"):
        load_pool(path)
    path.write_text("[unclosed\n")
    with pytest.raises(SpecErrors, match="Pool config is not properly formatted"):
        load_pool(path)
    with pytest.raises(UsageError, match="no such pool config file"):
        load_pool(tmp_path / "missing.yaml")
    with pytest.raises(SpecErrors, match="Cannot read pool config"):
        load_pool(tmp_path)  # a directory


def test_platform_must_exist(tmp_path: Path) -> None:
    text = wf(task(), head="  resources:\n    default: {platform: nowhere}\n")
    assert errors(tmp_path, text) == ["Platform nowhere does not exist in pool local!"]


def test_platform_defaults_from_pool(tmp_path: Path) -> None:
    loaded = load(tmp_path, wf(task()))
    assert loaded.spec.resources["default"].platform == loaded.pool.default_platform
    path = tmp_path / "pool.yaml"
    path.write_text("default_platform: null\n")
    assert errors(tmp_path, wf(task()), pool_config=path) == [
        "Resource default does not have a platform!"
    ]


def test_resource_must_fit_one_node(tmp_path: Path) -> None:
    """The chart's per-node rules, with OSMO's block: one row per node of the platform."""
    text = wf(task(), head="  resources:\n    default: {gpu: 16, platform: dgx-h100}\n")
    (message,) = errors(tmp_path, text)
    lines = message.splitlines()
    assert lines[0] == "Resource validation failed for task: t1"
    assert lines[1].split() == [
        "node",
        "pool/platform",
        "storage",
        "cpu",
        "memory",
        "gpu",
        "reason",
    ]
    assert set(lines[2]) == {"="}
    assert len(lines) == 3 + 4 + 1  # header, rule, 4 dgx-h100 nodes, hint
    assert lines[3].startswith("dgx-h100-0   ['local/dgx-h100']   30720     224   2048     8 ")
    assert lines[3].endswith("Assertion failed for task t1: GPU value 16 too high for GPU")
    assert lines[-1] == 'Please check available resources with "osmo resource list".'
    memory = wf(task(), head="  resources:\n    default: {memory: 4Ti, platform: dgx-h100}\n")
    assert "Value 4Ti too high for memory" in errors(tmp_path, memory)[0]
    cpu = wf(task(), head="  resources:\n    default: {cpu: 300, platform: dgx-h100}\n")
    assert "Value 300.0 too high for CPU" in errors(tmp_path, cpu)[0]


def test_privileged_host_network_and_mounts(tmp_path: Path) -> None:
    head = "  resources:\n    default: {platform: t4}\n"
    bad_syntax = "volumeMounts: [/data, '/a:/b:/c', '/x:']"
    assert errors(tmp_path, wf(task(extra=bad_syntax), head=head)) == [
        "Invalid task volume mount: /a:/b:/c.",
        "Invalid task volume mount: /x:.",
    ]
    extra = "privileged: true\nhostNetwork: true\nvolumeMounts: [/data, /etc:/x]"
    assert errors(tmp_path, wf(task(extra=extra), head=head)) == [
        "Task with platform: t4 does not have privileged flag enabled. Task t1",
        "Task with platform: t4 does not have hostNetwork flag enabled. Task t1",
        "Task with platform: t4 does not allow mount: /data. Task t1",
        "Task with platform: t4 does not allow mount: /etc. Task t1",
    ]
    pool = tmp_path / "pool.yaml"
    pool.write_text(
        "platforms:\n  t4: {privileged_allowed: true, host_network_allowed: true, "
        "allowed_mounts: [/data], default_mounts: [/etc]}\n"
    )
    assert errors(tmp_path, wf(task(extra=extra), head=head), pool_config=pool) == [
        "Mount /etc is already provided by platform t4 and cannot be set in volumeMounts. "
        "Remove it from the task spec. Task t1"
    ]


def test_timeouts_filled_and_capped(tmp_path: Path) -> None:
    pool = tmp_path / "pool.yaml"
    pool.write_text("default_queue_timeout: 2h\nmax_exec_timeout: 1d\n")
    text = wf(task(), head="  timeout: {exec_timeout: 3d}\n")
    loaded = load(tmp_path, text, pool_config=pool)
    assert loaded.spec.timeout is not None
    assert (loaded.spec.timeout.exec_timeout, loaded.spec.timeout.queue_timeout) == ("1d", "2h")
    assert any("maximum 1d" in w.message for w in loaded.warnings)


def test_topology_keys_come_from_the_pool(tmp_path: Path) -> None:
    text = wf(task(), head="  resources:\n    default: {topology: [{key: rack}]}\n")
    assert errors(tmp_path, text) == [
        'Topology key "rack" in resource "default" is not available in pool "local". '
        "Available topology keys: []"
    ]
    pool = tmp_path / "pool.yaml"
    pool.write_text("topology_keys: [rack]\n")
    assert (
        load(tmp_path, text, pool_config=pool).spec.resources["default"].topology[0].key == "rack"
    )


def test_builtin_pool_is_valid() -> None:
    """The built-in pool is constructed without validation for start-up speed: prove it valid."""
    from simulator.pool.config import PoolConfig

    pool = load_pool()
    again = PoolConfig.model_validate(pool.model_dump())
    assert again.platforms == pool.platforms
    assert again.default_platform == pool.default_platform


def test_render_limits_come_from_the_pool(tmp_path: Path) -> None:
    text = "workflow:\n  name: wf\n{% for i in range(100000) %}{% for j in range(300) %}{% endfor %}{% endfor %}\n"
    message = errors(tmp_path, text)[0]
    assert message.endswith("Process exceeded time limit of 0.5 seconds")
    pool = tmp_path / "pool.yaml"
    pool.write_text("max_render_time: 0.05\nmax_render_memory: 200Mi\n")
    message = errors(tmp_path, "workflow:\n  name: {{ 'x' * 300 * 2**20 }}\n", pool_config=pool)[0]
    assert message.endswith(f"exceeded memory limit of {200 * 2**20} bytes")


def test_host_gpus_from_nvidia_smi(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """This machine has no GPU: a stand-in `nvidia-smi` on PATH prints what the real one prints
    for `--query-gpu=index,name --format=csv,noheader`; the pool and the Docker inventory read
    the same probe."""
    from simulator.backends.docker.gpus import GpuInventory
    from simulator.pool import platforms

    smi = tmp_path / "bin" / "nvidia-smi"
    smi.parent.mkdir()
    smi.write_text("#!/bin/sh\nprintf '0, NVIDIA A100-SXM4-80GB\\n1, NVIDIA A100-SXM4-80GB\\n'\n")
    smi.chmod(0o755)
    monkeypatch.setenv("PATH", f"{smi.parent}:{os.environ['PATH']}")
    monkeypatch.setattr(platforms, "NVIDIA_DRIVER_PATHS", (str(tmp_path),))
    platforms.host_gpu_devices.cache_clear()
    try:
        assert platforms.host_gpus() == (2, "A100-SXM4-80GB")
        inventory = GpuInventory.detect()
        assert inventory.ids == ("0", "1") and not inventory.env_only
        monkeypatch.setattr(platforms, "NVIDIA_DRIVER_PATHS", (str(tmp_path / "none"),))
        platforms.host_gpu_devices.cache_clear()
        assert platforms.host_gpus() == (0, "")  # no driver: nvidia-smi is not even looked for
    finally:
        platforms.host_gpu_devices.cache_clear()
