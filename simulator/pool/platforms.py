"""Well-known NVIDIA platforms (per node) and this host's own platform, for the default pool."""

from __future__ import annotations

import functools
import os
import platform as _platform
from pathlib import Path
from typing import Any


def _p(
    arch: str, cpu: int, memory: str, gpus: int, model: str, nodes: int, text: str, storage: str
) -> dict[str, Any]:
    return dict(
        arch=arch,
        cpu=cpu,
        memory=memory,
        storage=storage,
        gpus=gpus,
        gpu_model=model,
        nodes=nodes,
        simulated=True,
        description=text,
    )


WELL_KNOWN: dict[str, dict[str, Any]] = {
    "dgx-h100": _p(
        "amd64", 224, "2Ti", 8, "H100 80GB", 4, "NVIDIA DGX H100 (8x H100 SXM 80GB)", "30Ti"
    ),
    "dgx-a100": _p(
        "amd64", 256, "2Ti", 8, "A100 80GB", 4, "NVIDIA DGX A100 (8x A100 SXM 80GB)", "15Ti"
    ),
    "dgx-b200": _p("amd64", 224, "4Ti", 8, "B200", 2, "NVIDIA DGX B200 (8x B200)", "30Ti"),
    "gb200": _p(
        "arm64",
        144,
        "960Gi",
        4,
        "GB200",
        18,
        "GB200 NVL72 compute tray (2x Grace, 4x B200)",
        "15Ti",
    ),
    "dgx-spark": _p(
        "arm64", 20, "128Gi", 1, "GB10", 1, "NVIDIA DGX Spark (GB10 Grace Blackwell)", "3Ti"
    ),
    "ovx-a40": _p("amd64", 128, "1Ti", 8, "A40", 4, "NVIDIA OVX server (8x A40)", "7Ti"),
    "ovx-l40": _p("amd64", 128, "1Ti", 8, "L40", 4, "NVIDIA OVX server (8x L40)", "7Ti"),
    "l40s": _p("amd64", 64, "512Gi", 4, "L40S", 4, "Server with 4x L40S 48GB", "3Ti"),
    "a10": _p("amd64", 32, "128Gi", 1, "A10", 4, "Cloud instance with 1x A10 24GB", "800Gi"),
    "t4": _p("amd64", 16, "64Gi", 1, "T4", 4, "Cloud instance with 1x T4 16GB", "200Gi"),
    "agx-orin-jp6": _p(
        "arm64", 12, "64Gi", 1, "Orin (integrated)", 2, "Jetson AGX Orin 64GB, JetPack 6", "900Gi"
    ),
    "agx-orin-jp7": _p(
        "arm64", 12, "64Gi", 1, "Orin (integrated)", 2, "Jetson AGX Orin 64GB, JetPack 7", "900Gi"
    ),
    "jetson-agx-thor": _p(
        "arm64", 14, "128Gi", 1, "Thor (integrated)", 2, "Jetson AGX Thor 128GB", "900Gi"
    ),
    "igx-orin": _p(
        "arm64", 12, "64Gi", 1, "IGX Orin + RTX A6000", 2, "NVIDIA IGX Orin developer kit", "900Gi"
    ),
}
"""Node shapes of platform names seen in OSMO's docs and cookbook; simulated locally. Storage is
the node's ephemeral storage (its local NVMe), what OSMO's K8_STORAGE token reads."""


def _normal_arch(machine: str) -> str:
    return "arm64" if machine.lower() in ("aarch64", "arm64") else "amd64"


def host_arch() -> str:
    return _normal_arch(_platform.machine())


def host_memory() -> str:
    """MemTotal of /proc/meminfo in Mi (16Gi when unknown)."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) // 1024}Mi"
    except (OSError, ValueError, IndexError):
        pass
    return "16Gi"


NVIDIA_DRIVER_PATHS = ("/proc/driver/nvidia", "/dev/nvidiactl", "/dev/dxg")
"""Present when an NVIDIA driver is loaded (`/dev/dxg`: WSL2's GPU paravirtualisation)."""


@functools.lru_cache(maxsize=1)
def host_gpu_devices() -> tuple[tuple[str, str], ...]:
    """(index, model) of each NVIDIA GPU from `nvidia-smi`; () without one (never an error).
    The pool's `host` platform and the Docker backend's device inventory both read it."""
    if not any(Path(p).exists() for p in NVIDIA_DRIVER_PATHS):
        return ()  # no driver, no GPU: skip the PATH search and the shutil/subprocess imports
    import shutil
    import subprocess

    exe = shutil.which("nvidia-smi")
    if not exe:
        return ()
    query = [exe, "--query-gpu=index,name", "--format=csv,noheader"]
    try:
        out = subprocess.run(query, capture_output=True, text=True, timeout=5).stdout
    except (OSError, subprocess.SubprocessError):
        return ()
    devices = []
    for line in out.splitlines():
        index, _, name = line.partition(",")
        if index.strip():
            devices.append((index.strip(), name.strip().removeprefix("NVIDIA ")))
    return tuple(devices)


def host_gpus() -> tuple[int, str]:
    """(count, model of the first) of this host's NVIDIA GPUs; (0, "") without any."""
    devices = host_gpu_devices()
    return len(devices), devices[0][1] if devices else ""


def _binfmt_enabled(name: str) -> bool:
    try:
        return Path("/proc/sys/fs/binfmt_misc", name).read_text().startswith("enabled")
    except OSError:
        return False


def emulated_arches() -> list[str]:
    """Foreign architectures this host can run through an enabled binfmt_misc qemu handler."""
    found = []
    if host_arch() == "amd64" and _binfmt_enabled("qemu-aarch64"):
        found.append("arm64")
    if host_arch() == "arm64" and _binfmt_enabled("qemu-x86_64"):
        found.append("amd64")
    return found


def host_storage() -> str:
    """Size of the filesystem holding `/` in Gi, what a kubelet here would offer as ephemeral
    storage (100Gi when unknown)."""
    import shutil

    try:
        return f"{shutil.disk_usage('/').total // 2**30}Gi"
    except OSError:
        return "100Gi"


def host_platforms() -> dict[str, dict[str, Any]]:
    """`host` (this machine) and `host-<arch>` for each architecture it can emulate."""
    gpus, model = host_gpus()
    cpu = os.cpu_count() or 1
    memory = host_memory()
    storage = host_storage()
    platforms = {
        "host": dict(
            arch=host_arch(),
            cpu=cpu,
            memory=memory,
            storage=storage,
            gpus=gpus,
            gpu_model=model,
            nodes=1,
            simulated=False,
            description="This machine",
        ),
    }
    for arch in emulated_arches():
        platforms[f"host-{arch}"] = dict(
            arch=arch,
            cpu=cpu,
            memory=memory,
            storage=storage,
            gpus=0,
            gpu_model="",
            nodes=1,
            simulated=False,
            description=f"This machine, {arch} through qemu emulation",
        )
    return platforms
