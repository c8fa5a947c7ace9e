"""The kubelet's `$(VAR)` expansion: the cases of k8s.io/kubernetes `expand_test.go`, ported
(the table lives in `tests.backends.expansion`, shared with the backends' end-to-end runs)."""

from __future__ import annotations

import pytest

from simulator.spec.kubeexpand import expand, expand_argv, expand_environment, mapping_for
from tests.backends.expansion import GO_CASES, GO_CONTEXT

CONTEXT = GO_CONTEXT


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
