"""One answer: the report the app records equals `osmo-tui simulate --json`, field by field.

For every example, every cookbook workflow and every scenario of the edge-case suite, the same
file is run twice through the two front ends: the CLI in-process, and the app driven by Pilot at
instant speed with the run store on. Both go through `simulator.run`; this test is what keeps a
front end from growing its own way of loading, merging or folding.
"""

from __future__ import annotations

import asyncio
import json
import math
from pathlib import Path
from typing import Any

import pytest
import yaml

from osmo_tui.app.app import make_app
from osmo_tui.cli.main import main
from simulator.run import RunRequest, SpecOptions
from simulator.runs import RunStore
from tests.conftest import COOKBOOK, EXAMPLES, cookbook_files
from tests.engine.test_edge_cases import EDGES
from tests.spec.test_cookbook import NEEDS_SET
from tests.tui.conftest import settle

pytestmark = pytest.mark.anyio

EXAMPLE_FILES = sorted(EXAMPLES.glob("*.yaml"))
EXAMPLE_FILES.remove(EXAMPLES / "osmo-pool.yaml")
RETRY_WORKFLOW = """\
workflow:
  name: retries
  tasks:
  - name: flaky
    image: alpine
    command: [sh, -c, "sleep 3"]
    exitActions: {RESCHEDULE: 1-255}
"""
RETRY_SCENARIO = """\
pool: {max_retry_per_task: 3}
tasks:
  flaky:
    attempts: [{exit_code: 1, duration: 2}, {exit_code: 1, duration: 2}, {exit_code: 0}]
"""


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def cli_report(path: Path, scenario: Path | None, sets: list[str], capsys: Any) -> Any:
    argv = ["simulate", str(path), "--json", "--no-record"]
    argv += ["--scenario", str(scenario)] if scenario else []
    argv += ["--set", *sets] if sets else []
    capsys.readouterr()
    code = main(argv)
    out = capsys.readouterr().out
    assert code in (0, 1), out
    return json.loads(out)


async def app_report(path: Path, scenario: Path | None, sets: list[str]) -> Any:
    request = RunRequest(path=path, scenario=scenario, spec=SpecOptions(set_values=tuple(sets)))
    app = make_app(request, speed=math.inf, keymap={})
    assert not app.session.errors, [e.render() for e in app.session.errors]
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, timeout=60)
    return RunStore().load("latest").report


async def assert_same(
    path: Path, capsys: Any, scenario: Path | None = None, sets: list[str] | None = None
) -> Any:
    sets = sets or []
    # the CLI runs its own event loop: in a thread, beside the test's
    expected = await asyncio.to_thread(cli_report, path, scenario, sets, capsys)
    recorded = await app_report(path, scenario, sets)
    assert recorded is not None, "the app recorded no report"
    for section in ("workflow", "groups", "tasks"):
        for name in set(expected[section]) | set(recorded[section]):
            if section == "workflow":
                got, want = recorded[section], expected[section]
            else:
                got, want = recorded[section].get(name), expected[section].get(name)
            assert got == want, f"{section} {name}: app {got} != simulate {want}"
    assert recorded == expected
    return expected


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.name)
async def test_examples(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    await assert_same(path, capsys)


@pytest.mark.cookbook
@pytest.mark.parametrize("path", cookbook_files(), ids=lambda p: str(p.relative_to(COOKBOOK)))
async def test_cookbook(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rel = path.relative_to(COOKBOOK).as_posix()
    await assert_same(path, capsys, sets=NEEDS_SET.get(rel, []))


@pytest.mark.parametrize("edge", EDGES, ids=[e.id for e in EDGES])
async def test_edge_case_scenarios(
    edge: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "wf.yaml"
    path.write_text(edge.workflow)
    scenario_data = yaml.safe_load(edge.scenario) if edge.scenario else {}
    if edge.pool:  # the edge's pool keys, given as a scenario's `pool:` block
        scenario_data["pool"] = edge.pool
    scenario = None
    if scenario_data:
        scenario = tmp_path / "scenario.yaml"
        scenario.write_text(yaml.safe_dump(scenario_data))
    await assert_same(path, capsys, scenario)


async def test_a_scenario_pool_block_counts_in_the_app_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The bug that started the pipeline: the app ignored a scenario's `pool:` retry limit."""
    path, scenario = tmp_path / "wf.yaml", tmp_path / "scenario.yaml"
    path.write_text(RETRY_WORKFLOW)
    scenario.write_text(RETRY_SCENARIO)
    report = await assert_same(path, capsys, scenario)
    flaky = report["tasks"]["flaky"]
    assert (flaky["status"], flaky["retries"]) == ("COMPLETED", 2)
