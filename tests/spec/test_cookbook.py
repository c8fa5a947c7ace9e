"""Every workflow of OSMO's cookbook loads as OSMO would load it (SPEC §12)."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.errors import SpecErrors
from simulator.spec.loader import load_workflow
from tests.conftest import COOKBOOK, cookbook_files

FILES = cookbook_files()
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

pytestmark = pytest.mark.cookbook


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
    expected = WARNINGS.get(rel, [])
    names = sorted({n for g in loaded.spec.groups for t in g.tasks for n in t.credentials})
    if names:  # no local credential store in the test's home: said once, not an error
        expected = [_unchecked(names), *expected]
    assert [w.message for w in loaded.warnings] == expected


def _unchecked(names: list[str]) -> str:
    store = Path.home() / ".config" / "osmo-tui" / "credentials.yaml"
    return (
        f"credentials {', '.join(names)} not checked: no local credential store at {store} "
        "(osmo-tui's stand-in for `osmo credential set`; OSMO refuses credentials you have not set)"
    )


def _credential_users() -> dict[str, dict[str, dict[str, object]]]:
    """Cookbook file -> {credential: its forms} for every file whose tasks name credentials."""
    out: dict[str, dict[str, dict[str, object]]] = {}
    for path in FILES:
        loaded = load_workflow(path, set_values=NEEDS_SET.get(_id(path), []))
        for task in (t for g in loaded.spec.groups for t in g.tasks):
            for name, form in task.credentials.items():
                out.setdefault(_id(path), {}).setdefault(name, {})[task.name] = form
    return out


def test_cookbook_credentials_against_a_local_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a store, a credential the user has not set fails with OSMO's message at the
    credential's key; once set with the keys the tasks name, the file validates cleanly."""
    users = _credential_users()
    assert len(users) == 10, sorted(users)
    store = tmp_path / "credentials.yaml"
    monkeypatch.setenv("OSMO_TUI_CREDENTIALS", str(store))
    store.write_text("unrelated: {k: v}\n")
    for rel, creds in users.items():
        path = COOKBOOK / rel
        with pytest.raises(SpecErrors) as info:
            load_workflow(path, set_values=NEEDS_SET.get(rel, []))
        messages = {e.message for e in info.value.errors}
        assert messages == {f"Could not find the credential: {n}." for n in creds}, rel
        rendered = info.value.rendered.splitlines()  # type: ignore[attr-defined]
        for error in info.value.errors:
            where = error.location
            assert where is not None and where.line is not None
            text = rendered if where.rendered else path.read_text().splitlines()
            name = error.message.removeprefix("Could not find the credential: ")[:-1]
            assert text[where.line - 1].strip().startswith(name), (rel, where)
    full: dict[str, dict[str, str]] = {}
    for creds in users.values():
        for name, forms in creds.items():
            keys = full.setdefault(name, {"unused": "x"})
            for form in forms.values():
                if isinstance(form, dict):
                    keys.update({key: "a-secret-value" for key in form.values()})
    import yaml

    store.write_text(yaml.safe_dump(full))
    for rel in users:
        loaded = load_workflow(COOKBOOK / rel, set_values=NEEDS_SET.get(rel, []))
        assert [w.message for w in loaded.warnings] == WARNINGS.get(rel, []), rel


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
