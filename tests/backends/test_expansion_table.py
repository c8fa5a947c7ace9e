"""The shared expansion table against the pure function the Docker backend uses, no engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.backends.docker.container import kubelet_env_and_argv
from tests.backends.contract import load_case, write_case
from tests.backends.expansion import EXPANSION_CASES, EXPANSION_RUNS, ExpansionCase


@pytest.mark.parametrize("case", EXPANSION_CASES, ids=[c.task for c in EXPANSION_CASES])
def test_table_matches_the_kubelet_view(case: ExpansionCase) -> None:
    env, argv = kubelet_env_and_argv(dict(case.environment), {}, ["sh", *case.args], [])
    assert tuple(argv[1:]) == case.expect_args
    assert {name: env[name] for name, _ in case.expect_env} == dict(case.expect_env)


def test_credentials_env_is_not_expanded_but_visible_to_args() -> None:
    env, argv = kubelet_env_and_argv(
        {"A": "$(TOKEN)"}, {"TOKEN": "$(A)"}, ["echo", "$(TOKEN)", "$(A)"], ["0", "1"]
    )
    assert env == {"A": "$(TOKEN)", "TOKEN": "$(A)"}
    assert argv == ["echo", "$(A)", "$(TOKEN)"]
    assert kubelet_env_and_argv({}, {}, ["$(NVIDIA_VISIBLE_DEVICES)"], ["0", "1"])[1] == ["0,1"]


@pytest.mark.parametrize("run", EXPANSION_RUNS, ids=[r.id for r in EXPANSION_RUNS])
def test_expansion_workflows_validate(run: object, tmp_path: Path) -> None:
    """The generated workflows are valid OSMO workflows (YAML escaping of every table row)."""
    from tests.backends.contract import Case

    assert isinstance(run, Case)
    loaded, plan = load_case(run, write_case(run, tmp_path))
    assert plan.tasks
    if run.id == "kubelet-expansion":
        by_name = {t.name: t for g in loaded.spec.groups for t in g.tasks}
        assert tuple(by_name["go-table"].args) == tuple(text for text in EXPANSION_CASES[0].args)
