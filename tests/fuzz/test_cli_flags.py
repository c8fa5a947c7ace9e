"""Random command lines from every command's flags and hostile values, in-process, plus a few
as a real program (`python -m osmo_tui.cli.main`): one line and a code, never a traceback."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz.harness import CASES, assert_clean, run_cli, run_program
from tests.fuzz.kinds import BASE_WORKFLOW

COMMANDS = ["validate", "render", "graph", "simulate", "run --headless", "runs", "runs replay", ""]
FLAGS = [
    "--set", "--set-string", "--pool-config", "--label", "--priority", "--format", "--scenario",
    "--seed", "--json", "--events", "--junit", "--graph-out", "--explain", "--no-record",
    "--backend", "--speed", "--headless", "--help", "-h", "--", "-", "--bogus",
]  # fmt: skip
VALUES = [
    "", "x", "K=V", "K", "=", "a=b=c", "HIGH", "LOW", "nope", "json", "mermaid", "dot", "text",
    "-1", "0", "1e309", "nan", "inf", "99999999999999999999999", "9" * 5000, "latest",
    "/dev/null", "/dev/full", "/dev/zero", "/nonexistent/dir/file", "/", ".", "..", "x" * 5000,
    "sim", "docker?", "\x1b[31m", "é", "{{ 3**(3**17) }}", "K={{ missing }}", "K=\udcff",
    "\udcff.yaml", "K=" + "9" * 5000, "K=\x00",
]  # fmt: skip
CLI = settings(
    max_examples=CASES or 60,
    deadline=None,
    derandomize=not CASES,
    suppress_health_check=list(HealthCheck),
    database=None,
)


@st.composite
def command_lines(draw: st.DrawFn) -> list[str]:
    argv = draw(st.sampled_from(COMMANDS)).split()
    if draw(st.booleans()) and argv[:1] != ["runs"]:
        argv.append("WORKFLOW")
    for _ in range(draw(st.integers(0, 5))):
        argv.append(draw(st.sampled_from(FLAGS)))
        if draw(st.booleans()):
            argv.append(draw(st.sampled_from(VALUES)))
    return argv


def _safe(argv: list[str]) -> bool:
    """The app and real backends are out of scope here: a TTY app would wait for keys."""
    if argv[:2] == ["runs", "replay"] and "--help" not in argv and "-h" not in argv:
        return False  # a good run opens the app; damaged runs are the run-store fuzzing's
    return "--backend" not in argv


@CLI
@given(command_lines())
def test_random_command_lines(argv: list[str]) -> None:
    if not _safe(argv):
        return
    here = os.getcwd()
    before = set(os.listdir(here))
    with tempfile.TemporaryDirectory() as tmp:
        workflow = Path(tmp) / "wf.yaml"
        workflow.write_text(BASE_WORKFLOW)
        argv = [str(workflow) if a == "WORKFLOW" else a for a in argv]
        os.chdir(tmp)  # relative output paths (`--junit x`) land in the case's directory
        try:
            outcome = run_cli(argv)
        finally:
            os.chdir(here)
    assert set(os.listdir(here)) == before, f"osmo-tui {argv} wrote outside its directory"
    assert_clean(outcome, f"osmo-tui {argv}")
    assert outcome.code in (0, 1, 2), (argv, outcome.code, outcome.err)


def test_as_a_program(tmp_path: Path) -> None:
    """The same rules through the real entry point (start-up, argv decoding, exit codes)."""
    workflow = tmp_path / "wf.yaml"
    workflow.write_text(BASE_WORKFLOW)
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("workflow:\n  name: w{{ 3**(3**17) }}\n")
    for argv in (
        ["validate", ""],
        ["x" * 5000],
        ["validate", str(bomb)],
        ["simulate", str(workflow), "--scenario", "/dev/zero"],
        ["render", str(workflow), "--set", "9" * 5000],
    ):
        outcome = run_program(argv)
        assert not outcome.crashed and outcome.code in (1, 2), (argv, outcome.code, outcome.err)
        assert "Traceback" not in outcome.err and len(outcome.err.strip().splitlines()) == 1, (
            argv,
            outcome.err,
        )
