"""The kubelet's `$(VAR)` expansion as a backend must reproduce it: one table for every backend.

Each `ExpansionCase` is a task environment (in declaration order) and the args it runs with,
and what the container must see after the kubelet's expansion. `expansion_workflow` turns the
table into one workflow whose tasks check themselves (`cmp` of their argv and env against
expected files), so a backend that really runs containers (Docker; Kubernetes with a real node)
passes when every task COMPLETES (`ExpansionContract`); the fast tests check the same table
against the pure function the Docker backend uses.
The rows of `GO_CASES` are the cases of k8s.io/kubernetes `expand_test.go`.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.backends.contract import IMAGE, Case, check, load_case, write_case

GO_CONTEXT = {"VAR_A": "A", "VAR_B": "B", "VAR_C": "C", "VAR_REF": "$(VAR_A)", "VAR_EMPTY": ""}

# (name, input, expected): `doExpansionTest` of expand_test.go, one row per Go case.
GO_CASES = [
    ("whole string", "$(VAR_A)", "A"),
    ("repeat", "$(VAR_A)-$(VAR_A)", "A-A"),
    ("beginning", "$(VAR_A)-1", "A-1"),
    ("middle", "___$(VAR_B)___", "___B___"),
    ("end", "___$(VAR_C)", "___C"),
    ("compound", "$(VAR_A)_$(VAR_B)_$(VAR_C)", "A_B_C"),
    ("escape & expand", "$$(VAR_B)_$(VAR_A)", "$(VAR_B)_A"),
    ("compound escape", "$$(VAR_A)_$$(VAR_B)", "$(VAR_A)_$(VAR_B)"),
    ("mixed in escapes", "f000-$$VAR_A", "f000-$VAR_A"),
    ("backslash escape ignored", "foo\\$(VAR_C)bar", "foo\\Cbar"),
    ("backslash escape ignored 2", "foo\\\\$(VAR_C)bar", "foo\\\\Cbar"),
    ("lots of backslashes", "foo\\\\\\\\$(VAR_A)bar", "foo\\\\\\\\Abar"),
    ("nested var references", "$(VAR_A$(VAR_B))", "$(VAR_A$(VAR_B))"),
    ("nested var references second type", "$(VAR_A$(VAR_B)", "$(VAR_A$(VAR_B)"),
    ("value is a reference", "$(VAR_REF)", "$(VAR_A)"),
    ("value is a reference x 2", "%%$(VAR_REF)--$(VAR_REF)%%", "%%$(VAR_A)--$(VAR_A)%%"),
    ("empty var", "foo$(VAR_EMPTY)bar", "foobar"),
    ("unterminated expression", "foo$(VAR_Awhoops!", "foo$(VAR_Awhoops!"),
    ("expression without operator", "f00__(VAR_A)__", "f00__(VAR_A)__"),
    ("shell special vars pass through", "$?_boo_$!", "$?_boo_$!"),
    ("bare operators are ignored", "$VAR_A", "$VAR_A"),
    ("undefined vars are passed through", "$(VAR_DNE)", "$(VAR_DNE)"),
    ("multiple (even) operators, var undefined", "$$$$$$(BIG_MONEY)", "$$$(BIG_MONEY)"),
    ("multiple (even) operators, var defined", "$$$$$$(VAR_A)", "$$$(VAR_A)"),
    ("multiple (odd) operators, var undefined", "$$$$$$$(GOOD_ODDS)", "$$$$(GOOD_ODDS)"),
    ("multiple (odd) operators, var defined", "$$$$$$$(VAR_A)", "$$$A"),
    ("missing open expression", "$VAR_A)", "$VAR_A)"),
    ("shell syntax ignored", "${VAR_A}", "${VAR_A}"),
    ("trailing incomplete expression not consumed", "$(VAR_B)_______$(A", "B_______$(A"),
    ("trailing incomplete expression, no content", "$(VAR_C)_______$(", "C_______$("),
    ("operator at end of input string is preserved", "$(VAR_A)foobarzab$", "Afoobarzab$"),
    ("shell escaped incomplete expr", "foo-\\$(VAR_A", "foo-\\$(VAR_A"),
    ("lots of $( in middle", "--$($($($($--", "--$($($($($--"),
    ("lots of $( in beginning", "$($($($($--foo$(", "$($($($($--foo$("),
    ("lots of $( at end", "foo0--$($($($(", "foo0--$($($($("),
    ("escaped operators in variable names are not escaped", "$(foo$$var)", "$(foo$$var)"),
    ("newline not expanded", "\n", "\n"),
    # Beyond the Go table: the rune-aware reader keeps non-ASCII text whole.
    ("non-ASCII after the operator", "$é$(VAR_A)ü", "$éAü"),
    ("operator alone", "$", "$"),
    ("empty name", "$()", "$()"),
]


@dataclass(frozen=True)
class ExpansionCase:
    task: str
    environment: tuple[tuple[str, str], ...]
    """As written in the task's `environment`, in order."""
    args: tuple[str, ...]
    expect_args: tuple[str, ...]
    expect_env: tuple[tuple[str, str], ...]
    """Variables the container must see, with their values after expansion."""


EXPANSION_CASES = [
    ExpansionCase(
        "go-table",
        # VAR_REF is escaped so the container's value is the literal `$(VAR_A)` of the Go context
        tuple({**GO_CONTEXT, "VAR_REF": "$$(VAR_A)"}.items()),
        tuple(text for _, text, _ in GO_CASES),
        tuple(expected for _, _, expected in GO_CASES),
        (("VAR_REF", "$(VAR_A)"), ("VAR_EMPTY", "")),
    ),
    ExpansionCase(
        "env-order",  # `TestMapReference`, then what a value may not see
        (
            ("FOO", "bar"),
            ("ZOO", "$(FOO)-1"),
            ("BLU", "$(ZOO)-2"),
            ("EARLY", "$(LATE)"),
            ("LATE", "late"),
            ("ESC", "$$(FOO)"),
            ("SELF", "$(SELF)x"),
        ),
        ("$(BLU)", "$(EARLY)", "$(ESC)", "$(LATE)", "$(SELF)", "$(NVIDIA_VISIBLE_DEVICES)"),
        ("bar-1-2", "$(LATE)", "$(FOO)", "late", "$(SELF)x", ""),
        (("ZOO", "bar-1"), ("BLU", "bar-1-2"), ("EARLY", "$(LATE)"), ("ESC", "$(FOO)")),
    ),
]

# The script must itself survive expansion unchanged: no `$(` and no `$$` in it.
_CHECK = (
    "printf '%s\\0' \"$@\" > /tmp/argv; printf '%s\\0' {names} > /tmp/env; "
    "cmp /tmp/argv /expect/argv && cmp /tmp/env /expect/env && exit 0; "
    "echo expansion differs; od -c /tmp/argv; od -c /tmp/env; exit 1"
)


def _nul_joined(values: tuple[str, ...]) -> str:
    return base64.b64encode("".join(f"{v}\0" for v in values).encode()).decode()


def _task_yaml(case: ExpansionCase) -> str:
    names = " ".join(f'"${name}"' for name, _ in case.expect_env)
    script = _CHECK.format(names=names)
    env = ", ".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in case.environment)
    files = [
        ("/expect/argv", _nul_joined(case.expect_args)),
        ("/expect/env", _nul_joined(tuple(v for _, v in case.expect_env))),
    ]
    return (
        f"  - name: {case.task}\n    image: {IMAGE}\n"
        f"    command: [sh, -c, {json.dumps(script)}, sh]\n"
        f"    args: [{', '.join(json.dumps(a) for a in case.args)}]\n"
        f"    environment: {{{env}}}\n    files:\n"
        + "".join(f"    - {{path: {p}, base64: true, contents: {c}}}\n" for p, c in files)
    )


def expansion_workflow(cases: list[ExpansionCase]) -> str:
    """One workflow, one self-checking task per case (independent, so they run together)."""
    return "workflow:\n  name: kubelet-expansion\n  tasks:\n" + "".join(map(_task_yaml, cases))


FILE_PATH_WORKFLOW = f"""\
workflow:
  name: file-path
  tasks:
  - name: reader
    image: {IMAGE}
    command: ['$(READER)']
    args: ['$(FILE_PATH)']
    environment: {{READER: cat, DATA_DIR: /opt/data, FILE_PATH: '$(DATA_DIR)/input.txt'}}
    files:
    - {{path: /opt/data/input.txt, contents: hello from FILE_PATH}}
"""
"""`args: ['$(FILE_PATH)']` with FILE_PATH in `environment`: a real OSMO pattern."""

EXPANSION_RUNS = [
    Case(
        "kubelet-expansion",
        expansion_workflow(EXPANSION_CASES),
        {"tasks": {c.task: {"status": "COMPLETED", "exit_code": 0} for c in EXPANSION_CASES}},
    ),
    Case("file-path-args", FILE_PATH_WORKFLOW, {"workflow": "COMPLETED"}),
]
"""What a backend that runs containers must get from the kubelet's expansion."""


class ExpansionContract:
    """Subclass in a backend's test module and implement `run_plan` (as for `BackendContract`);
    only backends whose containers really run can pass (Docker; Kubernetes with a real node)."""

    def run_plan(self, plan: Any, tmp_path: Path) -> dict[str, Any]:
        raise NotImplementedError

    @pytest.mark.parametrize("case", EXPANSION_RUNS, ids=[c.id for c in EXPANSION_RUNS])
    def test_expansion(self, case: Case, tmp_path: Path) -> None:
        _, plan = load_case(case, write_case(case, tmp_path))
        check(self.run_plan(plan, tmp_path), case.expect)
