"""What OSMO's Helm chart configures by default (deployments/charts/osmo/values.yaml).

The four `resourceValidations` rule sets of the chart's `configuration:` block, with their
exact messages, and the default pool's `common_default_variables` they are evaluated with.
"""

from __future__ import annotations

from typing import Any


def _rule(op: str, left: str, right: str, message: str) -> dict[str, str]:
    return {"operator": op, "left_operand": left, "right_operand": right, "assert_message": message}


RESOURCE_VALIDATIONS: dict[str, list[dict[str, str]]] = {
    "default_cpu": [
        _rule("LE", "{{USER_CPU}}", "{{K8_CPU}}", "Value {{USER_CPU}} too high for CPU"),
        _rule("GT", "{{USER_CPU}}", "0", "Value {{USER_CPU}} needs to be greater than 0 for CPU"),
    ],
    "default_memory": [
        _rule(
            "LE", "{{USER_MEMORY}}", "{{K8_MEMORY}}", "Value {{USER_MEMORY}} too high for memory"
        ),
        _rule(
            "GT",
            "{{USER_MEMORY}}",
            "0",
            "Value {{USER_MEMORY}} needs to be greater than 0 for memory",
        ),
    ],
    "default_gpu": [
        _rule("LE", "{{USER_GPU}}", "{{K8_GPU}}", "GPU value {{USER_GPU}} too high for GPU"),
        _rule("GE", "{{USER_GPU}}", "0", "GPU value {{USER_GPU}} cannot be negative"),
    ],
    "default_storage": [
        _rule(
            "LT",
            "{{USER_STORAGE}}",
            "{{K8_STORAGE}}",
            "Value {{USER_STORAGE}} too high for storage",
        ),
        _rule(
            "GT",
            "{{USER_STORAGE}}",
            "0",
            "Value {{USER_STORAGE}} needs to be greater than 0 for storage",
        ),
    ],
}
"""The chart's `configuration.resourceValidations`."""

COMMON_RESOURCE_VALIDATIONS = ["default_cpu", "default_memory", "default_storage", "default_gpu"]
"""The chart's default pool `common_resource_validations`, in its order."""

COMMON_DEFAULT_VARIABLES: dict[str, Any] = {
    "USER_CPU": 1,
    "USER_GPU": 0,
    "USER_MEMORY": "1Gi",
    "USER_STORAGE": "1Gi",
}
"""The chart's default pool `common_default_variables` (what a task that asks nothing gets)."""
