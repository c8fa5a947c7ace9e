"""OSMO's resource validation rules (`ResourceAssertion`) and how a task is checked against them.

Follows `ResourceAssertion.evaluate` (src/utils/connectors/postgres.py), `split_assertion_rules`
and `WorkflowSpec.validate_resources` (src/utils/job/workflow.py) of NVIDIA/OSMO: operands are
rendered with Jinja over the tokens, quantities compared in Ki, numbers as floats; rules naming a
K8_* token are checked per node and fail the task only when no node passes.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, field_validator

from simulator.pool.tokens import K8_TOKENS, MEASUREMENTS, RESOURCE_REGEX, convert

OPERATORS = ("GT", "GE", "LT", "LE", "EQ")
_COMPARE = {
    "GT": lambda x, y: x > y,
    "GE": lambda x, y: x >= y,
    "LT": lambda x, y: x < y,
    "LE": lambda x, y: x <= y,
    "EQ": lambda x, y: x == y,
}
_TOKEN = re.compile(r"\{\{([^}]+)\}\}")
"""OSMO's TOKEN_MAPPING_REGEX."""
_NUMBER = re.compile(r"\d+(\.\d+)?")
_NOTHING = ("", "None")
"""What an undefined-valued token renders to: osmo-tui skips the rule (see docs/pools.md)."""


class ResourceAssertion(BaseModel):
    """One rule: `left_operand <operator> right_operand`, else `assert_message`."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    operator: Literal["GT", "GE", "LT", "LE", "EQ"]
    """GT, GE, LT, LE or EQ."""
    left_operand: str
    """Jinja over USER_*/K8_* tokens and default variables, e.g. `{{USER_CPU}}`."""
    right_operand: str
    """Same as `left_operand`."""
    assert_message: str
    """Jinja too; OSMO prefixes it with `Assertion failed for task NAME: `."""

    @field_validator("operator", mode="before")
    @classmethod
    def _operator(cls, value: Any) -> Any:
        if value not in OPERATORS:
            raise ValueError(f"Unknown operator {value!r}: use one of {', '.join(OPERATORS)}")
        return value

    @property
    def per_node(self) -> bool:
        """OSMO's split: the first `{{...}}` of either operand names a K8_* token."""
        for operand in (self.left_operand, self.right_operand):
            found = _TOKEN.findall(operand)
            if found and any(token in found[0] for token in K8_TOKENS):
                return True
        return False


@functools.lru_cache(maxsize=256)
def _template(text: str) -> Any:
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    return SandboxedEnvironment(undefined=StrictUndefined).from_string(text)


_SIMPLE = re.compile(r"\{\{\s*([A-Za-z_]\w*)\s*\}\}")


def render(text: str, tokens: dict[str, Any]) -> str:
    """Render an operand or message as OSMO's sandboxed Jinja does (undefined names fail).

    Texts whose only Jinja is `{{ NAME }}` are substituted directly, as Jinja would (`str()` of
    the value): the chart's rules are all of that kind, and `validate` need not import Jinja.
    """
    if "{%" not in text and "{#" not in text:
        plain = _SIMPLE.sub("", text)
        if "{{" not in plain and all(m in tokens for m in _SIMPLE.findall(text)):
            return _SIMPLE.sub(lambda m: str(tokens[m.group(1)]), text)
    return str(_template(text).render(tokens))


def names_in(text: str) -> set[str]:
    """The variables a Jinja text uses (for the unknown-token check of a pool config);
    ValueError with Jinja's reason when the text is not a valid template."""
    from jinja2 import TemplateSyntaxError, meta
    from jinja2.sandbox import SandboxedEnvironment

    try:
        parsed = SandboxedEnvironment().parse(text)
    except TemplateSyntaxError as exc:
        raise ValueError(f"invalid Jinja template {text!r}: {exc.message}") from None
    return set(meta.find_undeclared_variables(parsed))


def _operand(text: str, tokens: dict[str, Any]) -> float | int | str | None:
    rendered = render(text, tokens)
    if rendered in _NOTHING:
        return None
    if RESOURCE_REGEX.fullmatch(rendered) and rendered.endswith(tuple(MEASUREMENTS)):
        return int(convert(rendered, "Ki"))
    if _NUMBER.fullmatch(rendered):
        return float(rendered)
    return rendered


def evaluate(rule: ResourceAssertion, tokens: dict[str, Any], task: str) -> str | None:
    """OSMO's failure text when the rule fails, None when it holds or is skipped; a template
    that cannot render gives OSMO's `Jinja substitution failure: ...` (its submit fails so)."""
    try:
        return _evaluate(rule, tokens, task)
    except Exception as exc:  # any error of the admin's Jinja is what OSMO answers the user
        return f"Jinja substitution failure: {type(exc)}: {exc}"


def _evaluate(rule: ResourceAssertion, tokens: dict[str, Any], task: str) -> str | None:
    left, right = _operand(rule.left_operand, tokens), _operand(rule.right_operand, tokens)
    if left is None or right is None:
        return None
    try:
        holds = _COMPARE[rule.operator](left, right)
    except TypeError:  # a number against text: OSMO fails with a server error; osmo-tui skips
        return None
    if holds:
        return None
    return f"Assertion failed for task {task}: {render(rule.assert_message, tokens)}"


def first_failure(
    rules: Iterable[ResourceAssertion], tokens: dict[str, Any], task: str
) -> str | None:
    """The first failing rule's text (OSMO stops at the first), else None."""
    for rule in rules:
        failure = evaluate(rule, tokens, task)
        if failure:
            return failure
    return None


@dataclass(frozen=True, slots=True)
class Node:
    """One node a task may land on: its K8_* tokens and its row in OSMO's failure table."""

    tokens: dict[str, Any]
    row: dict[str, str]


def node_failure(
    rules: Sequence[ResourceAssertion], tokens: dict[str, Any], task: str, nodes: Sequence[Node]
) -> str | None:
    """OSMO's "Resource validation failed" block when no node passes the per-node rules."""
    failures: list[tuple[Node, str]] = []
    for node in nodes:
        failure = first_failure(rules, {**node.tokens, **tokens}, task)
        if failure is None:
            return None
        failures.append((node, failure))
    text = f"Resource validation failed for task: {task}\n"
    if nodes:
        keys = list(nodes[0].row)
        rows = [[node.row.get(k, "-") for k in keys] + [why] for node, why in failures]
        text += draw_table([*keys, "reason"], rows)
    return text + '\nPlease check available resources with "osmo resource list".'


def draw_table(header: list[str], rows: list[list[str]]) -> str:
    """OSMO's `osmo_table` (texttable, HEADER deco, `=` under the header, 3-space gaps)."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "   ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True))

    rule = "=" * (sum(widths) + 3 * (len(widths) - 1))
    return "\n".join([line(header), rule, *(line(r) for r in rows)])
