"""validate / render / graph through the real entry point (in-process), output contracts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from osmo_tui.cli.main import main
from tests.conftest import EXAMPLES
from tests.spec.helpers import task, wf, write

PIPELINE = EXAMPLES / "train_pipeline.yaml"


def test_validate_valid(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(PIPELINE)]) == 0
    out, err = capsys.readouterr()
    assert out == "Workflow validation succeeded.\n" and err == ""


def test_validate_text_errors_one_per_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = "workflow:\n  name: wf\n  tasks:\n  - name: t1\n    image: u\n    command: echo\n    bogus: 1\n"
    path = write(tmp_path, text)
    assert main(["validate", str(path)]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"{path}:6:14: workflow.tasks.0.command: Input should be a valid list",
        f"{path}:7:5: workflow.tasks.0.bogus: Extra inputs are not permitted",
    ]


def test_validate_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, wf(task(extra="inputs: [{task: nope}]")))
    assert main(["validate", str(path), "--format", "json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["valid"] is False and out["warnings"] == []
    assert out["errors"] == [
        {
            "message": "Task input nope does not exist.",
            "file": str(path),
            "line": 7,
            "column": 21,
            "rendered": False,
        }
    ]


def test_validate_json_valid_with_warnings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, wf(task(), head="  pool: other\n"))
    assert main(["validate", str(path), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["valid"] is True and out["warnings"][0]["line"] == 3


def test_warnings_in_text_mode(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, wf(task(), head="  pool: other\n"))
    assert main(["validate", str(path)]) == 0
    err = capsys.readouterr().err
    assert f"{path}:3:9: warning: workflow.pool (other) is ignored" in err


def test_set_takes_several_values_per_flag(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["graph", str(PIPELINE), "--set", "workers=3", "epochs=2", "--format", "json"]
    assert main(args) == 0
    data = json.loads(capsys.readouterr().out)
    train = next(g for g in data["groups"] if g["name"] == "train")
    assert [t["name"] for t in train["tasks"]] == ["master", "worker-0", "worker-1", "worker-2"]
    assert train["upstream"] == ["text", "images"]
    assert ["train", "report"] in data["edges"]


def test_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(tmp_path / "missing.yaml")]) == 2
    assert main(["validate", str(PIPELINE), "--set", "novalue"]) == 2
    assert main(["validate"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "no such file" in err


def test_render_is_osmo_dry_run(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["render", str(PIPELINE), "--set", "epochs=1"]) == 0
    out = capsys.readouterr().out
    data = yaml.safe_load(out)
    assert list(data["workflow"]) == sorted(data["workflow"])
    assert data["workflow"]["name"] == "train-pipeline"
    assert "{{output}}" in out  # tokens survive rendering


def test_render_skips_schema_validation(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "workflow:\n  name: {{ n }}\n  bogus: true\ndefault-values:\n  n: x\n")
    assert main(["render", str(path)]) == 0
    assert capsys.readouterr().out == "workflow:\n  bogus: true\n  name: x\n"


@pytest.mark.parametrize("fmt", ["text", "mermaid", "dot", "json"])
def test_graph_formats(fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", str(PIPELINE), "--format", fmt]) == 0
    out = capsys.readouterr().out
    assert "master" in out and "worker-1" in out and "report" in out
    if fmt == "text":
        assert "  * master (lead)" in out
        assert "group train  <- text, images  [barrier, any failure fails the group]" in out
        assert "group prepare\n" in out
    if fmt == "mermaid":
        assert out.startswith("flowchart LR") and "n_g_train --> n_g_report" in out
    if fmt == "dot":
        assert out.startswith('digraph "train-pipeline"')


def test_graph_of_invalid_file_is_one_line_per_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, wf(task(extra="inputs: [{task: nope}]")))
    assert main(["graph", str(path)]) == 1
    assert capsys.readouterr().err == f"osmo-tui: {path}:7:21: Task input nope does not exist.\n"


@pytest.mark.parametrize("command", ["validate", "render", "graph"])
def test_spec_commands_import_nothing_heavy(command: str, tmp_path: Path) -> None:
    import subprocess
    import sys

    code = (
        "import sys, json\n"
        "from osmo_tui.cli.main import main\n"
        f"main([{command!r}, {str(PIPELINE)!r}])\n"
        "print(json.dumps(sorted(sys.modules)), file=sys.stderr)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(out.stderr.strip().splitlines()[-1]))
    heavy = {
        m
        for m in loaded
        if m.split(".")[0] in ("textual", "rich", "docker", "kubernetes", "watchfiles")
    }
    assert not heavy


_PLUGIN_PROBE = (
    "import os, sys, json\n"
    "sys.argv = ['osmo-tui', 'validate', sys.argv[1]]\n"
    "from osmo_tui.cli.main import main\n"
    "code = main()\n"
    "from pydantic.plugin._loader import get_plugins\n"
    "print(json.dumps({'code': code, 'metadata': 'importlib.metadata' in sys.modules,\n"
    "    'env': os.environ.get('PYDANTIC_DISABLE_PLUGINS'), 'plugins': list(get_plugins())}),\n"
    "    file=sys.stderr)\n"
)


def _probe_plugins(env: dict[str, str]) -> dict[str, object]:
    import os
    import subprocess
    import sys

    environ = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    out = subprocess.run(
        [sys.executable, "-c", _PLUGIN_PROBE, str(PIPELINE)],
        capture_output=True,
        text=True,
        check=True,
        env={**environ, **env},
    )
    result: dict[str, object] = json.loads(out.stderr.strip().splitlines()[-1])
    return result


def test_validate_skips_pydantic_plugin_discovery() -> None:
    """The program runs with pydantic plugins off and never imports importlib.metadata for
    them (~20 ms of start-up); validation itself is unchanged."""
    got = _probe_plugins({})
    assert got == {"code": 0, "metadata": False, "env": "__all__", "plugins": []}


def test_user_setting_of_pydantic_plugins_is_respected() -> None:
    """A user who sets PYDANTIC_DISABLE_PLUGINS gets pydantic's own loader and their value."""
    got = _probe_plugins({"PYDANTIC_DISABLE_PLUGINS": "some-plugin"})
    assert got["code"] == 0 and got["env"] == "some-plugin"
    assert got["metadata"] is True  # the real loader, which discovers plugins by entry points
