"""The app drives a workflow on the Kubernetes cluster: live statuses, the screen, the run record."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from osmo_tui.app.app import make_app
from simulator.backends.kubernetes.options import KubeOptions
from simulator.backends.sim import SimRun
from simulator.engine.from_spec import plan_from_spec
from simulator.engine.status import WorkflowStatus
from simulator.run import RunRequest
from simulator.spec.loader import load_workflow
from tests.conftest import COOKBOOK
from tests.kubernetes.conftest import Cluster
from tests.tui.conftest import settle
from tests.tui.screen_text import screen_text

pytestmark = [pytest.mark.kubernetes, pytest.mark.anyio, pytest.mark.cookbook]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_app_runs_a_tutorial_on_the_cluster(
    kube_cluster: Cluster, namespace: str, tmp_path: Path
) -> None:
    path = COOKBOOK / "tutorials" / "group_tasks.yaml"
    loaded = load_workflow(path)
    sim = SimRun(plan_from_spec(loaded), pool=loaded.pool)
    sim.run_to_end()
    options = RunRequest(
        path=path,
        backend=KubeOptions(kubeconfig=kube_cluster.kubeconfig, namespace=namespace),
    )
    app = make_app(options, keymap={})
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, timeout=120)
        snap = app.session.snapshot
        assert snap is not None and snap.backend == "kubernetes"
        assert snap.status is WorkflowStatus.COMPLETED
        got = {name: (t.status, t.exit_code) for name, t in snap.tasks.items()}
        want = {name: (t.status, t.exit_code) for name, t in sim.snapshot.tasks.items()}
        assert got == want
        text = screen_text(app)
        assert "kubernetes" in text and "COMPLETED" in text
        run_dir = app.session.run_dir
    assert run_dir is not None
    events = [json.loads(line) for line in (run_dir / "events.jsonl").read_text().splitlines()]
    assert events[-1]["kind"] == "run_finished"
    assert {e["task"] for e in events if e["kind"] == "task_scheduling"} == set(want)
