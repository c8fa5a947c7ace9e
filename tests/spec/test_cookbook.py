"""Every workflow of OSMO's cookbook loads as OSMO would load it (SPEC §12)."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.errors import SpecErrors
from simulator.spec.loader import load_workflow
from tests.conftest import COOKBOOK

FILES = sorted(COOKBOOK.rglob("*.yaml"))
STORAGE = ["storage_url=s3://my-bucket/osmo"]
NEEDS_SET: dict[str, list[str]] = {
    # Files whose `{{ storage_url }}` has no default: OSMO (and we) fail with UNDEFINED below
    # unless `--set storage_url=...` is given. With it, each validates.
    "cosmos/predict/cosmos_video2world.yaml": STORAGE,
    "cosmos/reason/cosmos_reason.yaml": STORAGE,
    "cosmos/transfer/cosmos_transfer.yaml": STORAGE,
    "dnn_training/deepspeed_multinode/train.yaml": STORAGE,
    "dnn_training/single_node/train.yaml": STORAGE,
    "dnn_training/torchrun_elastic/train.yaml": STORAGE,
    "dnn_training/torchrun_multinode/train.yaml": STORAGE,
    "dnn_training/torchrun_multinode/train_template.yaml": STORAGE,
    "groot/groot_finetune/groot_finetune.yaml": STORAGE,
    "groot/groot_mimic/groot_mimic.yaml": STORAGE,
    "integration_and_tools/wandb/train.yaml": STORAGE,
    "mobility_gen/cosmos_augmentation.yaml": STORAGE,
    "nut_pouring/01_mimic_generation.yaml": STORAGE,
    "nut_pouring/02_hdf5_to_mp4.yaml": STORAGE,
    "nut_pouring/03_cosmos_augmentation.yaml": STORAGE,
    "nut_pouring/04_mp4_to_hdf5.yaml": STORAGE,
    "nut_pouring/05_lerobot_conversion.yaml": STORAGE,
    "nut_pouring/06_groot_finetune.yaml": STORAGE,
    "reinforcement_learning/multi_gpu/train_policy.yaml": STORAGE,
    "reinforcement_learning/multi_node/train_policy.yaml": STORAGE,
    "reinforcement_learning/single_gpu/train_policy.yaml": STORAGE,
    "synthetic_data_generation/gazebo/gazebo_sdg.yaml": STORAGE,
    "synthetic_data_generation/isaac_sim/isaac_sim_sdg.yaml": STORAGE,
    "tutorials/data_filter.yaml": STORAGE,
}
WARNINGS = {
    # E54: `nim-server` is a resource name, not a task of the group, so the token stays literal.
    "nims/use_nim.yaml": [
        "Task nim-client: token {{host:nim-server}} is left as is: {{host:<task>}} only names "
        'tasks of the same group ("nim").'
    ],
}
UNDEFINED = (
    "Jinja substitution failure: <class 'jinja2.exceptions.UndefinedError'>: "
    "'storage_url' is undefined"
)


def _id(path: Path) -> str:
    return path.relative_to(COOKBOOK).as_posix()


def test_corpus_is_there() -> None:
    assert len(FILES) == 52
    needs = {_id(p) for p in FILES if "{{ storage_url }}" in p.read_text()}
    assert needs == set(NEEDS_SET)


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
    assert [w.message for w in loaded.warnings] == WARNINGS.get(rel, [])


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
