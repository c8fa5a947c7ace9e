"""Property-based fuzzing of pool configs (osmo-tui's and OSMO's shape): any document gives a
located SpecErrors, a one-line UsageError, or a pool; never another exception."""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.errors import SpecErrors, UsageError
from simulator.pool.config import load_pool
from tests.spec.helpers import task, wf

KEYS = [
    "configuration", "pools", "podTemplates", "resourceValidations", "groupTemplates", "backends",
    "workflow", "platforms", "default_platform", "common_pod_template",
    "common_resource_validations", "common_default_variables", "resource_validations",
    "override_pod_template", "default_variables", "operator", "left_operand", "right_operand",
    "assert_message", "spec", "containers", "name", "nodes", "cpu", "memory", "storage", "gpus",
    "max_num_tasks", "max_exec_timeout", "topology_keys", "resources", "gpu", "guarantee",
    "default", "dgx-h100", "host",
]  # fmt: skip
LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(
        ["GT", "LE", "{{USER_CPU}}", "{{K8_GPU}}", "{{ nope }}", "{%", "8Gi", "5", "1d"]
    ),
    st.text(max_size=8),
)
DOCS = st.recursive(
    LEAVES,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(KEYS), inner, max_size=4)
    ),
    max_leaves=25,
)
VALUES = Path(__file__).parent / "data" / "osmo-values.yaml"


def _load(doc: Any, pool: str | None = None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pool.yaml"
        path.write_text(yaml.safe_dump(doc))
        try:
            loaded = load_pool(path, pool_name=pool)
        except SpecErrors as exc:
            assert exc.errors and all(
                e.location and e.location.path == str(path) for e in exc.errors
            )
            return
        except UsageError as exc:
            assert "\n" not in str(exc)
            return
        from tests.spec.helpers import load

        workflow = Path(tmp) / "wfdir"
        workflow.mkdir()
        with contextlib.suppress(SpecErrors):  # the workflow may not fit that pool: fine
            load(workflow, wf(task()), pool=loaded)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(DOCS)
def test_random_pool_documents_fail_cleanly(doc: Any) -> None:
    _load(doc)


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.tuples(st.sampled_from(KEYS), LEAVES), min_size=1, max_size=3))
def test_mutated_osmo_configuration_fails_cleanly(edits: list[tuple[str, Any]]) -> None:
    """Chart values with a few keys anywhere in the tree replaced by odd values."""
    doc = yaml.safe_load(VALUES.read_text())
    for key, value in edits:
        _replace(doc, key, value)
    _load(doc, "gpu-pool")


def _replace(node: Any, key: str, value: Any) -> None:
    if isinstance(node, dict):
        for k in list(node):
            if k == key:
                node[k] = value
            else:
                _replace(node[k], key, value)
    elif isinstance(node, list):
        for item in node:
            _replace(item, key, value)
