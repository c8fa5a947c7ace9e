"""Every cookbook workflow simulates to the end, as its scripts say (SPEC §12)."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.backends.sim import SimRun
from simulator.engine.from_spec import plan_from_spec
from simulator.spec.loader import load_workflow
from tests.conftest import COOKBOOK
from tests.spec.test_cookbook import FILES, NEEDS_SET

NEVER_END = {
    # Their lead ends in `sleep infinity` (a server / an interactive session kept for
    # inspection): OSMO runs them until exec_timeout, and so do we.
    "integration_and_tools/ray/ray.yaml": ("FAILED_EXEC_TIMEOUT", 3600.0),
    "nut_pouring/01_mimic_generation.yaml": ("FAILED_EXEC_TIMEOUT", 7 * 86400.0),
}

pytestmark = pytest.mark.cookbook


def _id(path: Path) -> str:
    return path.relative_to(COOKBOOK).as_posix()


@pytest.mark.parametrize("path", FILES, ids=_id)
def test_cookbook_workflow_simulates(path: Path) -> None:
    rel = _id(path)
    loaded = load_workflow(path, set_values=NEEDS_SET.get(rel, []))
    run = SimRun(plan_from_spec(loaded), pool=loaded.pool)
    run.run_to_end()
    snap = run.snapshot
    assert snap.finished and all(t.status.finished for t in snap.tasks.values())
    status, end = NEVER_END.get(rel, ("COMPLETED", None))
    assert str(snap.status) == status, [
        (n, str(t.status), t.message) for n, t in snap.tasks.items()
    ]
    if end is not None:
        assert snap.end_time == end
    for group in snap.groups.values():
        assert group.start_time is not None  # every group ran (no upstream failed)
