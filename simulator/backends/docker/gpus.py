"""The local GPU inventory and which attempt holds which device (never two at once).

Inventory: the `gpus` option or `$OSMO_TUI_GPU_INVENTORY` (comma-separated device IDs, e.g.
`0,1,2,3`) is a configured inventory: devices are handed to containers only as
`NVIDIA_VISIBLE_DEVICES` (testable without GPUs). Otherwise the host's GPUs from `nvidia-smi`
are real devices, requested with device requests as well.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from simulator.errors import BackendError
from simulator.pool.platforms import host_gpu_devices


@dataclass(slots=True)
class GpuInventory:
    ids: tuple[str, ...]
    env_only: bool
    """True for a configured inventory: no device requests, only the environment."""
    holders: dict[str, str] = field(default_factory=dict)
    """device id -> attempt key holding it."""

    @classmethod
    def detect(cls, option: str | list[str] | None = None) -> GpuInventory:
        configured = option if option is not None else os.environ.get("OSMO_TUI_GPU_INVENTORY")
        if configured is not None:
            ids = configured.split(",") if isinstance(configured, str) else configured
            return cls(tuple(i.strip() for i in ids if str(i).strip()), env_only=True)
        return cls(tuple(index for index, _model in host_gpu_devices()), env_only=False)

    @property
    def free(self) -> list[str]:
        return [i for i in self.ids if i not in self.holders]

    def take(self, holder: str, count: int) -> list[str] | None:
        """`count` free devices for `holder`, lowest IDs first; None when they do not fit."""
        free = self.free
        if count > len(free):
            return None
        chosen = free[:count]
        for gpu in chosen:
            self.holders[gpu] = holder
        return chosen

    def release(self, holder: str) -> None:
        for gpu in [g for g, h in self.holders.items() if h == holder]:
            del self.holders[gpu]

    def check_fits(self, group: str, needs: dict[str, int]) -> None:
        """A gang that needs more GPUs than exist here could only wait forever: say so now."""
        total = sum(needs.values())
        if total <= len(self.ids):
            return
        have = f"this host's GPU inventory has {len(self.ids)}"
        gpus = f"{total} GPU" + ("s" if total != 1 else "")
        if len(needs) == 1:
            what = f"Task {next(iter(needs))} needs {gpus} but {have}"
        else:
            what = f"Group {group} needs {gpus} at once (its tasks start together) but {have}"
        raise BackendError(
            f"{what}; hand out device IDs with --gpu-inventory (e.g. 0,1,2,3, passed as "
            "NVIDIA_VISIBLE_DEVICES) or run it with --backend sim"
        )

    def why_waiting(self, needed: int) -> str:
        busy = ", ".join(f"{g} ({h.split('#')[0]})" for g, h in sorted(self.holders.items()))
        if needed > len(self.ids):
            return f"needs {needed} GPUs; the local inventory has {len(self.ids)}"
        return f"waiting for {needed} free GPUs; {len(self.free)} free, in use: {busy or 'none'}"
