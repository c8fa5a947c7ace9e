"""What the cluster offers: nodes (arch, GPUs, fake or real), gang-scheduler CRDs, placements."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from simulator.backends.kubernetes.objects import POD_GROUP_KINDS, Placement, PodGroupKind

ARCH_LABEL = "kubernetes.io/arch"
FAKE_ANNOTATION = "kwok.x-k8s.io/node"


@dataclass(frozen=True, slots=True)
class NodeInfo:
    name: str
    arch: str
    gpus: int
    fake: bool
    gpu_model: str = ""

    def describe(self) -> str:
        model = f" ({self.gpu_model})" if self.gpu_model else ""
        gpu = f", {self.gpus} GPU{model}" if self.gpus else ""
        kind = " (KWOK fake node)" if self.fake else ""
        return f"placed by kube-scheduler on {self.name}: {self.arch}{gpu}{kind}"


def node_info(node: dict[str, Any]) -> NodeInfo:
    """From a Node as the API sends it (JSON)."""
    meta = node.get("metadata") or {}
    labels = meta.get("labels") or {}
    status = node.get("status") or {}
    capacity = status.get("capacity") or {}
    try:
        gpus = int(capacity.get("nvidia.com/gpu", 0))
    except ValueError:
        gpus = 0
    return NodeInfo(
        name=str(meta.get("name", "")),
        arch=str(labels.get(ARCH_LABEL) or (status.get("nodeInfo") or {}).get("architecture", "?")),
        gpus=gpus,
        fake=(meta.get("annotations") or {}).get(FAKE_ANNOTATION) == "fake",
        gpu_model=str(labels.get("nvidia.com/gpu.product", "")),
    )


@dataclass
class Inventory:
    """Nodes seen by the node watch (empty and `visible=False` without RBAC to list nodes)."""

    visible: bool = False
    nodes: dict[str, NodeInfo] = field(default_factory=dict)

    def describe(self, node: str) -> str:
        info = self.nodes.get(node)
        return info.describe() if info else f"placed by kube-scheduler on {node}"

    @property
    def all_fake(self) -> bool:
        return bool(self.nodes) and all(n.fake for n in self.nodes.values())

    @property
    def arches(self) -> frozenset[str]:
        return frozenset(n.arch for n in self.nodes.values())

    @property
    def max_gpus(self) -> int:
        return max((n.gpus for n in self.nodes.values()), default=0)


def pod_group_kind(api_groups: set[str]) -> PodGroupKind | None:
    """The first gang scheduler whose PodGroup API the cluster serves."""
    return next((k for k in POD_GROUP_KINDS if k.group in api_groups), None)


def placements(pool: Any, platforms: set[str]) -> tuple[dict[str, Placement], list[str]]:
    """Platform -> node selector/tolerations through the pool config; unknown ones are warned.

    The default maps a platform to `kubernetes.io/arch: <its arch>`; a platform may add
    `node_selector` and `tolerations` of its own when the pool config defines them.
    """
    out: dict[str, Placement] = {}
    warnings: list[str] = []
    known = dict(getattr(pool, "platforms", {}) or {}) if pool is not None else {}
    for name in sorted(p for p in platforms if p):
        platform = known.get(name)
        if platform is None:
            warnings.append(
                f"platform {name!r} is not in the pool config: its tasks get no node "
                "selector and may land on any architecture"
            )
            continue
        selector = {ARCH_LABEL: str(getattr(platform, "arch", "amd64"))}
        selector.update(dict(getattr(platform, "node_selector", None) or {}))
        tolerations = tuple(dict(t) for t in getattr(platform, "tolerations", None) or ())
        out[name] = Placement(selector, tolerations)
    return out, warnings
