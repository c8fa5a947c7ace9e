"""The simulated pool's capacity: nodes per platform with CPUs, GPUs and memory, gang placement.

A gang (every task of a group, or one retried attempt) is placed all-or-nothing, first fit over
the platform's nodes; what does not fit waits (the group stays SCHEDULING) until capacity frees.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from simulator.engine.plan import ResourceNeeds


def _bytes(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        return int(value)
    from simulator.common.units import parse_quantity

    try:
        return int(parse_quantity(str(value)))
    except ValueError:
        return None


@dataclass(slots=True)
class _Node:
    name: str
    cpu: float
    gpu: int
    memory: float


@dataclass(frozen=True, slots=True)
class Placement:
    task: str
    node: str
    reason: str
    needs: ResourceNeeds


class SimPool:
    """Free capacity per node; a pool config without platforms means unlimited capacity."""

    def __init__(self, pool: Any = None) -> None:
        self.unlimited = pool is None or not getattr(pool, "platforms", None)
        self.default_platform: str = getattr(pool, "default_platform", "") or ""
        self.nodes: dict[str, list[_Node]] = {}
        self.size: dict[str, tuple[float, int, float]] = {}
        for name, platform in (getattr(pool, "platforms", None) or {}).items():
            cpu = float(getattr(platform, "cpu", 0) or 0) or float("inf")
            gpu = int(getattr(platform, "gpus", 0) or 0)
            memory = float(_bytes(getattr(platform, "memory", None)) or float("inf"))
            count = max(1, int(getattr(platform, "nodes", 1) or 1))
            self.size[name] = (cpu, gpu, memory)
            self.nodes[name] = [_Node(f"{name}-{i}", cpu, gpu, memory) for i in range(count)]
        self._shared: dict[str, Placement] = {}
        if not self.default_platform and self.nodes:
            self.default_platform = next(iter(self.nodes))

    def platform_of(self, needs: ResourceNeeds) -> str:
        return needs.platform or self.default_platform

    def never_fits(self, needs: ResourceNeeds) -> str | None:
        """Why no node of the pool could ever hold this task (None when one could)."""
        if self.unlimited:
            return None
        platform = self.platform_of(needs)
        if platform not in self.size:
            return f"platform {platform!r} is not in the pool"
        cpu, gpu, memory = self.size[platform]
        if (needs.cpu or 0) > cpu:
            return f"it asks {needs.cpu} CPUs, nodes of {platform} have {cpu:g}"
        if needs.gpu > gpu:
            return f"it asks {needs.gpu} GPUs, nodes of {platform} have {gpu}"
        if (needs.memory or 0) > memory:
            return f"it asks {needs.memory} bytes of memory, nodes of {platform} have {memory:g}"
        return None

    def place(self, gang: list[tuple[str, ResourceNeeds]]) -> list[Placement] | None:
        """All tasks of the gang on nodes, or None (nothing reserved) when they do not all fit."""
        if self.unlimited:
            return [self._anywhere(task, needs) for task, needs in gang]
        taken: list[tuple[_Node, ResourceNeeds]] = []
        out: list[Placement] = []
        for task, needs in gang:
            node = self._first_fit(self.platform_of(needs), needs)
            if node is None:
                for held, held_needs in taken:
                    self._give(held, held_needs, +1)
                return None
            self._give(node, needs, -1)
            taken.append((node, needs))
            reason = f"platform {self.platform_of(needs)}"
            if needs.gpu:
                reason += f", {needs.gpu} GPU"
            out.append(Placement(task, node.name, reason, needs))
        return out

    def free(self, placement: Placement) -> None:
        if self.unlimited:
            return
        for node in self.nodes.get(self.platform_of(placement.needs), []):
            if node.name == placement.node:
                self._give(node, placement.needs, +1)
                return

    def _anywhere(self, task: str, needs: ResourceNeeds) -> Placement:
        """Unlimited capacity: one shared placement per platform (nothing to give back)."""
        platform = self.platform_of(needs) or "local"
        placement = self._shared.get(platform)
        if placement is None:
            placement = Placement("", f"{platform}-sim", f"platform {platform}", needs)
            self._shared[platform] = placement
        return placement

    def _first_fit(self, platform: str, needs: ResourceNeeds) -> _Node | None:
        cpu, memory = needs.cpu or 0, needs.memory or 0
        for node in self.nodes.get(platform, []):
            if node.cpu >= cpu and node.gpu >= needs.gpu and node.memory >= memory:
                return node
        return None

    @staticmethod
    def _give(node: _Node, needs: ResourceNeeds, sign: int) -> None:
        node.cpu += sign * (needs.cpu or 0)
        node.gpu += sign * needs.gpu
        node.memory += sign * (needs.memory or 0)
