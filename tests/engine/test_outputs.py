"""Output paths are refused before a run starts; nothing is lost to a typo found at the end."""

from __future__ import annotations

from pathlib import Path

import pytest

from osmo_tui.cli.main import main
from tests.conftest import EXAMPLES


@pytest.mark.parametrize("flag", ["--junit", "--graph-out", "--events"])
def test_an_unwritable_output_fails_before_the_run(
    flag: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "missing-dir" / "out.txt"
    code = main(["simulate", str(EXAMPLES / "hello.yaml"), flag, str(target)])
    out, err = capsys.readouterr()
    assert code == 2
    assert err.strip().count("\n") == 0 and f"{flag}: cannot write" in err
    assert "does not exist" in err
    assert out == ""  # not a line of the run was printed: it never started
    assert not (Path.home() / "runs").exists()  # and nothing was recorded
