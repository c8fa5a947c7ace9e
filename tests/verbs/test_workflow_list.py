"""`osmo-tui workflow list` with OSMO's filters on the run store: count, offset, name, order,
status, submission dates, the JSON form; bad values are one usage line."""

from __future__ import annotations

import json
import time
from pathlib import Path

from tests.verbs.test_workflow_verbs_sim import _osmo

PASSING = "workflow:\n  name: {name}\n  tasks:\n  - name: t\n    image: alpine:3.18\n    command: [sh, -c, 'exit 0']\n"
FAILING = PASSING.replace("exit 0", "exit 3")


def _store(cwd: Path) -> list[str]:
    """Five runs, in this order: ok-1, bad-1, ok-2, other-1, ok-3."""
    (cwd / "ok.yaml").write_text(PASSING.format(name="ok"))
    (cwd / "bad.yaml").write_text(FAILING.format(name="bad"))
    (cwd / "other.yaml").write_text(PASSING.format(name="other"))
    for name in ("ok", "bad", "ok", "other", "ok"):
        assert _osmo("submit", f"{name}.yaml", cwd=cwd).returncode == 0
        time.sleep(0.05)  # distinct submission times
    return ["ok-1", "bad-1", "ok-2", "other-1", "ok-3"]


def _ids(*args: str, cwd: Path) -> list[str]:
    result = _osmo("list", *args, cwd=cwd)
    assert result.returncode == 0, result.stderr
    return [line.split()[0] for line in result.stdout.splitlines()[1:]]


def test_list_filters(tmp_path: Path) -> None:
    submitted = _store(tmp_path)
    assert _ids(cwd=tmp_path) == submitted  # asc: the latest at the bottom
    assert _ids("--order", "desc", cwd=tmp_path) == submitted[::-1]
    assert _ids("--count", "2", cwd=tmp_path) == ["other-1", "ok-3"]  # the two newest
    assert _ids("-c", "2", "--offset", "1", "-o", "desc", cwd=tmp_path) == ["other-1", "ok-2"]
    assert _ids("--name", "ok", cwd=tmp_path) == ["ok-1", "ok-2", "ok-3"]
    assert _ids("--status", "FAILED", cwd=tmp_path) == ["bad-1"]
    assert _ids("-s", "FAILED", "COMPLETED", "-n", "o", cwd=tmp_path) == [
        "ok-1", "ok-2", "other-1", "ok-3"
    ]  # fmt: skip
    today = time.strftime("%Y-%m-%d")
    assert _ids("--submitted-after", today, cwd=tmp_path) == submitted
    assert _ids("--submitted-before", today, cwd=tmp_path) == []
    assert _ids("--backend", "docker", cwd=tmp_path) == []
    listed = json.loads(_osmo("list", "-t", "json", "-c", "1", cwd=tmp_path).stdout)
    (only,) = listed["workflows"]
    assert (only["name"], only["workflow"], only["status"], only["backend"]) == (
        "ok-3", "ok", "COMPLETED", "sim"
    )  # fmt: skip


def test_bad_list_values_are_one_usage_line(tmp_path: Path) -> None:
    for args in (["--count", "0"], ["--status", "DONE"], ["--submitted-after", "yesterday"]):
        result = _osmo("list", *args, cwd=tmp_path)
        assert result.returncode == 2, args
        assert len(result.stderr.splitlines()) == 1, args
        assert result.stderr.startswith(f"osmo-tui: error: argument {args[0]}"), args
