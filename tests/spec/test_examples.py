"""Our own examples: every valid one loads against the default pool, every invalid one fails with
exactly the errors its `# expect: LINE:COL: message` comments announce."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.errors import SpecErrors
from simulator.pool.config import load_pool
from simulator.spec.loader import load_workflow
from tests.conftest import EXAMPLES

VALID = sorted(p for p in EXAMPLES.glob("*.yaml") if p.name != "osmo-pool.yaml")
INVALID = sorted((EXAMPLES / "invalid").glob("*.yaml"))
FEATURES = {
    "groups:": "groups",
    "tasks:": "serial tasks",
    "lead: true": "leads",
    "default-values": "templates",
    "{% for": "loops",
    "{{output}}": "output token",
    "{{input:": "input tokens",
    "{{host:": "host token",
    "{{workflow_id}}": "workflow id",
    "resources:": "resources",
    "platform: agx-orin": "arm64 platform",
    "gpu: 1": "GPU",
    "localpath:": "localpath",
    "contents:": "inline files",
    "exitActions:": "exit actions",
    "exec_timeout": "timeouts",
    "checkpoint:": "checkpoint",
    "credentials:": "credentials",
    "url: s3://": "url data",
    "ignoreNonleadStatus": "ignoreNonleadStatus",
    "barrier: false": "barrier",
}


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_valid_example(path: Path) -> None:
    loaded = load_workflow(path)
    assert loaded.spec.groups


def test_examples_cover_every_feature() -> None:
    text = "".join(p.read_text() for p in VALID)
    missing = [name for marker, name in FEATURES.items() if marker not in text]
    assert not missing


def test_main_example_shape() -> None:
    loaded = load_workflow(EXAMPLES / "train_pipeline.yaml")
    groups = loaded.spec.groups
    assert 4 <= len(groups) <= 5
    assert 6 <= sum(len(g.tasks) for g in groups) <= 10
    assert any(len(g.tasks) > 1 for g in groups)
    assert not loaded.warnings


def _expected(path: Path) -> list[tuple[int, int, str]]:
    found = []
    for line in path.read_text().splitlines():
        if line.startswith("# expect: "):
            position, message = line.removeprefix("# expect: ").split(": ", 1)
            row, col = position.split(":")
            found.append((int(row), int(col), message))
    return found


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
def test_invalid_example(path: Path) -> None:
    expected = _expected(path)
    assert expected, "every invalid example states its error"
    with pytest.raises(SpecErrors) as info:
        load_workflow(path)
    got = [(e.location.line, e.location.column, e.message) for e in info.value.errors if e.location]
    assert got == expected


def test_example_pool_config() -> None:
    pool = load_pool(EXAMPLES / "osmo-pool.yaml")
    assert pool.max_retry_per_task == 2 and pool.max_num_tasks == 100
    assert pool.platforms["lab-orin"].arch == "arm64" and "t4" not in pool.platforms
    loaded = load_workflow(EXAMPLES / "exit_actions.yaml", pool=pool)
    assert loaded.spec.timeout is not None and loaded.spec.timeout.exec_timeout == "10m"


def test_example_credential_store(monkeypatch: pytest.MonkeyPatch) -> None:
    """The example store holds what the examples name: checked, no warning left."""
    example = EXAMPLES / "files_and_tokens.yaml"
    assert any("not checked" in w.message for w in load_workflow(example).warnings)
    monkeypatch.setenv("OSMO_TUI_CREDENTIALS", str(EXAMPLES / "credentials" / "credentials.yaml"))
    assert not [w.message for w in load_workflow(example).warnings if "credential" in w.message]
