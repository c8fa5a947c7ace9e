"""The environment is input too: every path variable osmo-tui reads, set to a FIFO, a device,
a directory, a file of the wrong kind, a path too long or an empty string, leaves every
command with one line and a code (never a traceback, a hang or exit 70)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.fuzz.harness import run_cli
from tests.fuzz.kinds import BASE_WORKFLOW

VARIABLES = ("OSMO_TUI_RUNS_DIR", "OSMO_TUI_POOL_CONFIG", "OSMO_TUI_CREDENTIALS", "XDG_CONFIG_HOME")


def _values(tmp: Path) -> list[str]:
    os.mkfifo(tmp / "fifo")
    (tmp / "dir").mkdir()
    (tmp / "broken.yaml").write_text("x: [\n")
    return [
        str(tmp / "fifo"), "/dev/zero", str(tmp / "dir"), str(tmp / ("x" * 5000)),
        str(tmp / "broken.yaml"), "", "/proc/self/status", str(tmp / "missing" / "deep"),
    ]  # fmt: skip


@pytest.mark.parametrize("variable", VARIABLES)
def test_hostile_environment(
    variable: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workflow = tmp_path / "wf.yaml"
    workflow.write_text(BASE_WORKFLOW)
    monkeypatch.chdir(tmp_path)
    for value in _values(tmp_path):
        monkeypatch.setenv(variable, value)
        for argv in (["validate", str(workflow)], ["simulate", str(workflow)], ["runs"]):
            outcome = run_cli(argv)
            assert not outcome.problems() and outcome.code in (0, 1, 2), (
                variable, value[:60], argv, outcome.problems(), outcome.err[-300:],
            )  # fmt: skip
