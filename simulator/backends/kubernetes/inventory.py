"""What the cluster offers: nodes (arch, GPUs, fake or real), gang-scheduler CRDs, placements."""

from __future__ import annotations

from collections.abc import Mapping
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
    labels: Mapping[str, str] = field(default_factory=dict)
    allocatable: Mapping[str, str] = field(default_factory=dict)
    """What the kubelet offers pods (cpu, memory, ephemeral-storage, nvidia.com/gpu)."""

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
        labels={str(k): str(v) for k, v in labels.items()},
        allocatable={str(k): str(v) for k, v in (status.get("allocatable") or {}).items()},
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


def _cores(text: str) -> float:
    """Kubernetes CPU quantity in cores (`7500m` is 7.5)."""
    try:
        return float(text[:-1]) / 1000 if text.endswith("m") else float(text)
    except ValueError:
        return 0.0


def rule_nodes(inv: Inventory, selector: Mapping[str, str], pool: str, platform: str) -> list[Any]:
    """The nodes a platform's pods may land on (labels match its node selector), as the pool
    rules see them: K8_* from each node's allocatable (OSMO's workflow-allocatable fields)."""
    from simulator.pool.resolve import node_of
    from simulator.pool.tokens import RESOURCE_REGEX

    out = []
    for info in sorted(inv.nodes.values(), key=lambda n: n.name):
        if any(info.labels.get(k) != v for k, v in selector.items()):
            continue
        alloc = info.allocatable
        memory, storage = alloc.get("memory", "0"), alloc.get("ephemeral-storage")
        if not RESOURCE_REGEX.fullmatch(memory) or (
            storage and not RESOURCE_REGEX.fullmatch(storage)
        ):
            continue  # a quantity OSMO's units cannot read (e.g. decimal `k`): not comparable
        gpus = int(_cores(alloc.get("nvidia.com/gpu", "0")))
        out.append(
            node_of(info.name, pool, platform, _cores(alloc.get("cpu", "0")), memory, storage, gpus)
        )
    return out
