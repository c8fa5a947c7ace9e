"""The pool-config models: platforms (node shape, privileges, OSMO settings) and the pool."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from simulator.pool import bounds, defaults
from simulator.pool.rules import ResourceAssertion


def _empty_list() -> list[Any]:
    """`default_factory` of list fields: pydantic inspects the factory's signature on every
    `model_construct` default, which for the builtin `list` means tokenizing its text signature
    (~70 µs each; the built-in pool constructs ~60 defaults). A Python function is nearly free."""
    return []


def _empty_dict() -> dict[str, Any]:
    """`default_factory` of dict fields (see `_empty_list`)."""
    return {}


def default_rules() -> dict[str, list[ResourceAssertion]]:
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
    resource_validations: dict[str, list[ResourceAssertion]] = Field(default_factory=default_rules)
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

    @field_validator("default_exit_actions", mode="after")
    @classmethod
    def _exit_actions(cls, value: dict[str, str]) -> dict[str, str]:
        """Checked here, as a workflow's exitActions are: a bad one is the pool file's error,
        not a failure later while planning."""
        from simulator.common.units import parse_exit_codes

        for key, codes in value.items():
            if key.upper() not in ("COMPLETE", "FAIL", "RESCHEDULE"):
                raise ValueError(f"unknown exit action {key!r}: use COMPLETE, FAIL or RESCHEDULE")
            parse_exit_codes(str(codes))  # its ValueError names the codes, as OSMO's does
        return value

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
