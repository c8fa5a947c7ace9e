"""The kubelet's `$(VAR)` expansion: the cases of k8s.io/kubernetes `expand_test.go`, ported."""

from __future__ import annotations

import pytest

from simulator.spec.kubeexpand import expand, expand_argv, expand_environment, mapping_for

CONTEXT = {"VAR_A": "A", "VAR_B": "B", "VAR_C": "C", "VAR_REF": "$(VAR_A)", "VAR_EMPTY": ""}

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


@pytest.mark.parametrize(("name", "text", "expected"), GO_CASES, ids=[c[0] for c in GO_CASES])
def test_go_expansion_table(name: str, text: str, expected: str) -> None:
    assert expand(text, mapping_for(CONTEXT)) == expected


@pytest.mark.parametrize(("name", "text", "expected"), GO_CASES, ids=[c[0] for c in GO_CASES])
def test_go_expansion_table_dual_context(name: str, text: str, expected: str) -> None:
    """`TestMappingDual`: the same answers when the variables are split over two contexts."""
    first = {"VAR_A": "A", "VAR_EMPTY": ""}
    second = {"VAR_B": "B", "VAR_C": "C", "VAR_REF": "$(VAR_A)"}
    assert expand(text, mapping_for(first, second)) == expected


def test_map_reference_env_chain() -> None:
    """`TestMapReference`: each env value expands from the variables declared before it."""
    env = [("FOO", "bar"), ("ZOO", "$(FOO)-1"), ("BLU", "$(ZOO)-2")]
    assert expand_environment(env) == {"FOO": "bar", "ZOO": "bar-1", "BLU": "bar-1-2"}


def test_env_sees_only_earlier_variables() -> None:
    env = [("A", "$(B)"), ("B", "b"), ("C", "$(C)x"), ("D", "$$(B)"), ("B", "$(B)2")]
    assert expand_environment(env) == {"A": "$(B)", "B": "b2", "C": "$(C)x", "D": "$(B)"}


def test_service_variables_come_after_declared_ones() -> None:
    env = [("HOST", "$(KUBERNETES_SERVICE_HOST)"), ("X", "$(HOST)")]
    service = {"KUBERNETES_SERVICE_HOST": "10.0.0.1", "HOST": "ignored"}
    assert expand_environment(env, service) == {"HOST": "10.0.0.1", "X": "10.0.0.1"}


def test_argv_expands_from_the_final_env() -> None:
    env = expand_environment([("FILE_PATH", "/data/$(NAME)"), ("NAME", "x.txt")])
    argv = ["cat", "$(FILE_PATH)", "$(NAME)", "$$(NAME)", "$(UNSET)"]
    assert expand_argv(argv, env) == ["cat", "/data/$(NAME)", "x.txt", "$(NAME)", "$(UNSET)"]
