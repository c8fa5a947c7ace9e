"""Every workflow of OSMO's cookbook loads as OSMO would load it (SPEC §12)."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.errors import SpecErrors
from simulator.spec.loader import load_workflow
from tests.conftest import COOKBOOK

FILES = sorted(COOKBOOK.rglob("*.yaml"))
NEEDS_SET = {
    # file (relative to the cookbook) -> the --set values it needs. Without them OSMO (and we)
    # fail with UNDEFINED below, at the line that uses `storage_url`.
    p.relative_to(COOKBOOK).as_posix(): ["storage_url=s3://my-bucket/osmo"]
    for p in FILES
    if "storage_url" in p.read_text() and "storage_url:" not in p.read_text()
}
UNDEFINED = (
    "Jinja substitution failure: <class 'jinja2.exceptions.UndefinedError'>: "
    "'storage_url' is undefined"
)


def _id(path: Path) -> str:
    return path.relative_to(COOKBOOK).as_posix()


def test_corpus_is_there() -> None:
    assert len(FILES) == 52
    assert len(NEEDS_SET) == 24


@pytest.mark.parametrize("path", FILES, ids=_id)
def test_cookbook_workflow(path: Path) -> None:
    rel = _id(path)
    if rel in NEEDS_SET:
        with pytest.raises(SpecErrors) as info:
            load_workflow(path)
        assert [e.message for e in info.value.errors] == [UNDEFINED]
        location = info.value.errors[0].location
        assert location is not None and location.line is not None
        assert "storage_url" in path.read_text().splitlines()[location.line - 1]
    loaded = load_workflow(path, set_values=NEEDS_SET.get(rel, []))
    assert loaded.spec.groups, rel
    for group in loaded.spec.groups:
        assert sum(t.lead for t in group.tasks) == 1
        for task in group.tasks:
            assert task.resources.platform in loaded.pool.platforms
    assert path in loaded.dependencies


def test_localpath_files_are_dependencies() -> None:
    loaded = load_workflow(COOKBOOK / "hil" / "hil_isaac_lab.yaml")
    names = {p.name for p in loaded.dependencies}
    assert {"hil_isaac_lab.yaml", "install_dependencies.sh", "setup_discovery_server.sh"} <= names
    task = next(t for g in loaded.spec.groups for t in g.tasks if t.name == "locomotion-policy")
    script = (COOKBOOK / "hil" / "install_dependencies.sh").read_text()
    assert any(f.contents == script for f in task.files)


def test_nim_conditional_and_nested_defaults() -> None:
    loaded = load_workflow(COOKBOOK / "nims" / "use_nim.yaml")
    tasks = {t.name: t for g in loaded.spec.groups for t in g.tasks}
    assert set(tasks) == {"run-server", "nim-client"}
    assert tasks["run-server"].credentials == {"ngc-api-key": {"NGC_API_KEY": "key"}}
    external = load_workflow(
        COOKBOOK / "nims" / "use_nim.yaml",
        set_values=["external_nim_server_url=https://integrate.api.nvidia.com"],
    )
    assert [t.name for g in external.spec.groups for t in g.tasks] == ["nim-client"]
    assert "nim-server" not in external.spec.resources


def test_platforms_of_the_cookbook_exist_in_the_default_pool() -> None:
    loaded = load_workflow(COOKBOOK / "tutorials" / "robot_simulation.yaml")
    pool = loaded.pool
    arch = {
        t.name: pool.platforms[t.resources.platform or ""].arch
        for g in loaded.spec.groups
        for t in g.tasks
    }
    assert arch == {"model-training": "amd64", "physics-sim": "amd64", "robot-ctrl": "arm64"}
