"""OSMO's resource rules: shapes and messages as OSMO's code and its Helm chart write them."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.pool.config import load_pool
from simulator.pool.resolve import node_of, nodes
from simulator.pool.rules import ResourceAssertion, draw_table, evaluate, node_failure
from simulator.pool.tokens import k8_tokens, user_tokens
from simulator.spec.models import ResourceSpec
from tests.pool.helpers import one_pool_error
from tests.spec.helpers import errors, located, task, wf


def rule(op: str, left: str, right: str, message: str = "message") -> ResourceAssertion:
    return ResourceAssertion(
        operator=op, left_operand=left, right_operand=right, assert_message=message
    )


def tokens(**resources: object) -> dict[str, object]:
    defaults = {"USER_CPU": 1, "USER_GPU": 0, "USER_MEMORY": "1Gi", "USER_STORAGE": "1Gi"}
    return user_tokens(ResourceSpec.model_validate(resources), defaults)


def test_split_like_osmo() -> None:
    """OSMO's split_assertion_rules tests: a K8_* token in either operand makes a node rule."""
    assert rule("GE", "{{K8_GPU}}", "1").per_node
    assert rule("GE", "{{USER_CPU}}", "{{K8_CPU}}").per_node
    assert not rule("GE", "{{USER_CPU}}", "1").per_node
    assert not rule("GE", "100", "50").per_node


def test_quantities_compare_in_ki_and_numbers_as_floats() -> None:
    t = {**tokens(memory="2Gi", cpu=4), **k8_tokens(8, "2048Mi", "100Gi", 1)}
    assert t["K8_MEMORY"] == "2097152.0Ki" and t["K8_CPU"] == "8"
    assert evaluate(rule("LE", "{{USER_MEMORY}}", "{{K8_MEMORY}}"), t, "t") is None
    assert evaluate(rule("EQ", "{{USER_MEMORY}}", "{{K8_MEMORY}}"), t, "t") is None
    assert evaluate(
        rule("LT", "{{USER_MEMORY}}", "{{K8_MEMORY}}", "m {{USER_MEMORY}}"), t, "t"
    ) == ("Assertion failed for task t: m 2Gi")
    assert evaluate(rule("GT", "{{USER_CPU}}", "{{K8_CPU}}", "cpu {{USER_CPU}}"), t, "x") == (
        "Assertion failed for task x: cpu 4.0"
    )


def test_defaults_fill_what_the_task_does_not_ask() -> None:
    t = tokens()
    assert (t["USER_CPU"], t["USER_GPU"], t["USER_MEMORY"], t["USER_STORAGE"]) == (
        1,
        0,
        "1Gi",
        "1Gi",
    )
    t = tokens(memory="8Gi", storage="10Gi", gpu=2)
    assert (t["USER_MEMORY_VAL"], t["USER_MEMORY_UNIT"], t["USER_MEMORY_Mi"]) == ("8", "Gi", 8192.0)
    assert t["USER_GPU"] == 2 and t["USER_CACHE"] == "9Gi"


def test_jinja_operands_and_nothing_skips() -> None:
    """OSMO's own test shape: `{% if USER_CPU is none %}1{% else %}{{USER_CPU}}{% endif %}`."""
    shaped = rule(
        "LE",
        "{% if USER_CPU is none %}1{% else %}{{USER_CPU}}{% endif %}",
        "{{K8_CPU}}",
        "Value {% if USER_CPU is none %}1{% else %}{{USER_CPU}}{% endif %} too high for CPU",
    )
    no_defaults = user_tokens(ResourceSpec(), {})
    assert evaluate(shaped, {**no_defaults, **k8_tokens(0.5, "1Gi", None, 0)}, "t") == (
        "Assertion failed for task t: Value 1 too high for CPU"
    )
    assert evaluate(rule("GT", "{{USER_GPU}}", "0"), no_defaults, "t") is None  # None: skipped
    assert evaluate(rule("GT", "{{ '' }}", "0"), no_defaults, "t") is None


def test_node_failure_block_lists_every_node() -> None:
    rows = [node_of(f"n{i}", "p", "gpu", 16, "64Gi", "100Gi", 1) for i in range(2)]
    text = node_failure(
        [rule("LE", "{{USER_GPU}}", "{{K8_GPU}}", "GPU value {{USER_GPU}} too high for GPU")],
        tokens(gpu=4),
        "train",
        rows,
    )
    assert text is not None
    lines = text.splitlines()
    reason = "Assertion failed for task train: GPU value 4 too high for GPU"
    header = "node   pool/platform   storage   cpu   memory   gpu   reason"
    assert lines[0] == "Resource validation failed for task: train"
    assert lines[1] == header.ljust(len(lines[2]))  # texttable pads the last column too
    assert lines[2] == "=" * (len(header) - len("reason") + len(reason))
    assert lines[3] == f"n0     ['p/gpu']       100       16    64       1     {reason}"
    assert lines[4] == f"n1     ['p/gpu']       100       16    64       1     {reason}"
    assert lines[5] == 'Please check available resources with "osmo resource list".'
    assert (
        node_failure([rule("LE", "{{USER_GPU}}", "{{K8_GPU}}")], tokens(gpu=1), "t", rows) is None
    )
    assert draw_table(["a", "bb"], [["ccc", "d"]]) == "a     bb\n========\nccc   d "


def test_default_pool_applies_the_charts_four_rules(tmp_path: Path) -> None:
    pool = load_pool()
    assert pool.common_resource_validations == [
        "default_cpu", "default_memory", "default_storage", "default_gpu"
    ]  # fmt: skip
    assert all(p.storage for p in pool.platforms.values())
    assert len(nodes(pool, "dgx-h100")) == 4
    storage = wf(task(), head="  resources:\n    default: {storage: 40Ti, platform: dgx-h100}\n")
    (message,) = errors(tmp_path, storage)
    assert "Assertion failed for task t1: Value 40Ti too high for storage" in message
    # a request equal to the node's storage fails: the chart's storage rule is LT
    equal = wf(task(), head="  resources:\n    default: {storage: 30Ti, platform: dgx-h100}\n")
    assert "too high for storage" in errors(tmp_path, equal)[0]
    fits = wf(
        task(), head="  resources:\n    default: {storage: 29Ti, memory: 2Ti, platform: dgx-h100}\n"
    )
    assert load_ok(tmp_path, fits)


def load_ok(tmp_path: Path, text: str) -> bool:
    from tests.spec.helpers import load

    return load(tmp_path, text).spec is not None


def test_static_rule_failure_is_osmos_two_lines(tmp_path: Path) -> None:
    pool = tmp_path / "pool.yaml"
    pool.write_text(
        "resource_validations:\n"
        "  even_cpu:\n"
        "  - {operator: LE, left_operand: '{{USER_CPU}}', right_operand: '4',"
        " assert_message: 'At most 4 CPUs, not {{USER_CPU}}'}\n"
        "common_resource_validations: [default_cpu, even_cpu]\n"
    )
    head = "  resources:\n    default: {cpu: 8, platform: dgx-h100}\n"
    assert located(tmp_path, wf(task(), head=head), pool_config=pool) == [
        (
            6,
            5,
            "Resource validation failed for task: t1\n"
            "Assertion failed for task t1: At most 4 CPUs, not 8.0",
        )
    ]


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        (
            "resource_validations:\n  r:\n  - {operator: GTE, left_operand: '1', right_operand: '2',"
            " assert_message: m}\ncommon_resource_validations: [r]\n",
            (3, 16),
            "Unknown operator 'GTE': use one of GT, GE, LT, LE, EQ",
        ),
        (
            "resource_validations:\n  r:\n  - operator: LE\n    left_operand: '{{USER_CPUS}}'\n"
            "    right_operand: '{{K8_CPU}}'\n    assert_message: m\n"
            "common_resource_validations: [r]\n",
            (4, 19),
            "Unknown token USER_CPUS in resource validation r (platform",
        ),
        (
            "common_resource_validations: [default_cpu, nope]\n",
            (1, 44),
            "Resource validation nope does not exist!",
        ),
        (
            "platforms:\n  t4: {override_pod_template: [gpu]}\n",
            (2, 32),
            "Pod template gpu does not exist!",
        ),
    ],
)
def test_bad_rules_are_located_in_the_pool_file(
    tmp_path: Path, text: str, where: tuple[int, int], message: str
) -> None:
    one_pool_error(tmp_path, text, where, message)


def test_a_template_that_cannot_render_is_osmos_jinja_failure() -> None:
    broken = rule("LE", "{{ USER_CPU + 'x' }}", "{{K8_CPU}}")
    failure = evaluate(broken, {**tokens(cpu=2), **k8_tokens(8, "8Gi", None, 0)}, "t")
    assert failure is not None and failure.startswith("Jinja substitution failure: <class ")


def test_k8_tokens_in_a_static_rule_are_refused(tmp_path: Path) -> None:
    from simulator.errors import SpecErrors

    path = tmp_path / "pool.yaml"
    path.write_text(
        "resource_validations:\n  r:\n  - {operator: LE, left_operand: '{{USER_CPU}}',"
        " right_operand: '4', assert_message: 'max {{K8_CPU}}'}\n"
        "common_resource_validations: [r]\n"
    )
    with pytest.raises(SpecErrors, match="Token K8_CPU in resource validation r is only"):
        load_pool(path)
