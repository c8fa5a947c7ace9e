"""Submit-time checks (SPEC §2.7, §2.9, §4.2 step 7): labels, priority and the GPU guarantee,
pool maintenance, and generic credentials against the local store, with OSMO's messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from osmo_tui.cli.main import main
from simulator.errors import SpecErrors, UsageError
from simulator.pool.config import load_pool
from simulator.spec.submission import Submission
from tests.spec.helpers import errors, load, located, task, wf, write

# -- labels -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("a/b/c", 'Workflow label key "a/b/c" is not a valid Kubernetes label key.'),
        ("Example.com/team", 'Workflow label key "Example.com/team" has an invalid DNS prefix.'),
        ("-team", 'Workflow label key "-team" has an invalid name segment.'),
        ("example.com/", 'Workflow label key "example.com/" has an invalid name segment.'),
        ("x" * 64, f'Workflow label key "{"x" * 64}" has an invalid name segment.'),
        # OSMO's test_rejects_invalid_key_syntax (src/lib/utils/tests/test_validation.py)
        ("/name", 'Workflow label key "/name" has an invalid DNS prefix.'),
        (
            "UPPER.example.com/name",
            'Workflow label key "UPPER.example.com/name" has an invalid DNS prefix.',
        ),
        ("-name", 'Workflow label key "-name" has an invalid name segment.'),
        ("x" * 254 + "/n", f'Workflow label key "{"x" * 254}/n" has an invalid DNS prefix.'),
    ],
)
def test_label_keys(tmp_path: Path, key: str, message: str) -> None:
    text = wf(task(), head=f'  labels: {{"{key}": ok}}\n')
    assert located(tmp_path, text) == [(3, 12, message)]


@pytest.mark.parametrize(
    "key",
    [
        # OSMO's test_accepts_any_syntactically_valid_key: no deny-list since NVIDIA/OSMO e3b7b60
        "app.kubernetes.io/name",
        "topology.kubernetes.io/zone",
        "osmo.workflow_uuid",
        "kai.scheduler/queue",
        "runai/queue",
        "example-kubernetes.io/name",
        "PPP",
        "example.com/experiment",
    ],
)
def test_any_qualified_label_key_is_accepted(tmp_path: Path, key: str) -> None:
    loaded = load(tmp_path, wf(task(), head=f'  labels: {{"{key}": run_42.alpha}}\n'))
    assert loaded.spec.labels == {key: "run_42.alpha"}
    assert load(tmp_path, wf(task()), submission=Submission(labels=(f"{key}=v",))).spec.labels == {
        key: "v"
    }


@pytest.mark.parametrize("value", ["", "-value", "value/", "x" * 64, "a\n"])
def test_bad_label_values(tmp_path: Path, value: str) -> None:
    """OSMO's test_rejects_empty_or_invalid_value (a trailing newline too: OSMO fullmatches)."""
    text = wf(task(), head=f"  labels: {{team: {json.dumps(value)}}}\n")
    message = f'Workflow label value "{value}" is not a valid non-empty Kubernetes label value.'
    assert errors(tmp_path, text) == [message]


def test_label_map_and_key_types(tmp_path: Path) -> None:
    assert errors(tmp_path, wf(task(), head="  labels: [a]\n")) == [
        "Workflow labels must be a map of string keys to string values."
    ]
    assert errors(tmp_path, wf(task(), head="  labels: {1: a}\n")) == [
        "Workflow label keys must be strings."
    ]
    loaded = load(tmp_path, wf(task(), head="  labels: {example.com/team: a.b_c, Team_1: x}\n"))
    assert loaded.spec.labels == {"example.com/team": "a.b_c", "Team_1": "x"}


def test_command_line_labels_override_the_spec(tmp_path: Path) -> None:
    text = wf(task(), head="  labels: {team: robotics, stage: dev}\n")
    loaded = load(tmp_path, text, submission=Submission(labels=("stage=prod", "extra=a.b")))
    assert loaded.spec.labels == {"team": "robotics", "stage": "prod", "extra": "a.b"}
    many = tuple(f"k{i}=v" for i in range(16))
    assert errors(tmp_path, text, submission=Submission(labels=many)) == [
        "Workflows can have at most 16 labels."
    ]


@pytest.mark.parametrize(
    ("label", "message"),
    [
        ("team", "--label team: Workflow labels must use key=value format."),
        (
            "a/b/c=1",
            '--label a/b/c=1: Workflow label key "a/b/c" is not a valid Kubernetes label key.',
        ),
        (
            "experiment=run=42",
            '--label experiment=run=42: Workflow label value "run=42" is not a valid non-empty Kubernetes label value.',
        ),
        (
            "team=",
            '--label team=: Workflow label value "" is not a valid non-empty Kubernetes label '
            "value.",
        ),
    ],
)
def test_bad_command_line_label_is_a_usage_error(
    tmp_path: Path, label: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, wf(task()))
    with pytest.raises(UsageError, match="^" + message.replace(".", r"\.") + "$"):
        load(tmp_path, wf(task()), submission=Submission(labels=(label,)))
    assert main(["validate", str(path), "--label", label]) == 2
    assert capsys.readouterr().err == f"osmo-tui: {message}\n"


# -- priority, GPU guarantee, maintenance ----------------------------------------------------

GPU_WORKFLOW = """\
workflow:
  name: gpus
  resources:
    default: {cpu: 4, gpu: 2, platform: dgx-h100}
  groups:
  - name: train
    tasks:
    - {name: a, image: u, command: [x], lead: true}
    - {name: b, image: u, command: [x]}
    - {name: c, image: u, command: [x]}
  - name: eval
    tasks:
    - {name: d, image: u, command: [x]}
"""
GUARANTEE = (
    "Pool local has 4 GPUs guaranteed for NORMAL/HIGH priority workflows and group train "
    "requires 6 GPUs. Higher gpu counts must be submitted with LOW priority"
)


def _pool_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "pool.yaml"
    path.write_text(text)
    return path


def test_gpu_guarantee_by_priority(tmp_path: Path) -> None:
    pool = _pool_config(tmp_path, "gpu_guarantee: 4\n")
    for priority in ("NORMAL", "HIGH"):
        submission = Submission(priority=priority)
        assert located(tmp_path, GPU_WORKFLOW, pool_config=pool, submission=submission) == [
            (6, 11, GUARANTEE)
        ]
    loaded = load(tmp_path, GPU_WORKFLOW, pool_config=pool, submission=Submission(priority="LOW"))
    assert [w.message for w in loaded.warnings] == ["LOW priority can be preempted during the run."]
    unlimited = _pool_config(tmp_path, "gpu_guarantee: -1\n")
    assert load(tmp_path, GPU_WORKFLOW, pool_config=unlimited).spec.name == "gpus"
    assert load(tmp_path, GPU_WORKFLOW).spec.name == "gpus"  # built-in pool: no guarantee


def test_gpu_guarantee_of_an_implicit_group_points_at_the_task(tmp_path: Path) -> None:
    pool = _pool_config(tmp_path, "gpu_guarantee: 1\n")
    text = wf(task(), head="  resources:\n    default: {gpu: 2, platform: dgx-h100}\n")
    message = GUARANTEE.replace("4 GPUs", "1 GPUs").replace("train", "t1-group")
    assert located(tmp_path, text, pool_config=pool) == [
        (6, 11, message.replace("requires 6", "requires 2"))
    ]


def test_priority_on_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, GPU_WORKFLOW)
    pool = str(_pool_config(tmp_path, "gpu_guarantee: 4\n"))
    assert main(["validate", str(path), "--pool-config", pool]) == 1
    assert capsys.readouterr().err == f"{path}:6:11: {GUARANTEE}\n"
    assert main(["validate", str(path), "--pool-config", pool, "--priority", "low"]) == 0
    captured = capsys.readouterr()
    assert captured.err == "warning: LOW priority can be preempted during the run.\n"
    assert main(["validate", str(path), "--priority", "urgent"]) == 2
    assert "--priority must be HIGH, NORMAL or LOW, not 'urgent'" in capsys.readouterr().err
    assert main(["simulate", str(path), "--pool-config", pool, "--priority", "LOW"]) == 0
    assert main(["simulate", str(path), "--pool-config", pool]) == 2


def test_pool_in_maintenance_refuses_everything(tmp_path: Path) -> None:
    pool = _pool_config(tmp_path, "name: lab\nmaintenance: true\n")
    with pytest.raises(SpecErrors) as info:
        load(tmp_path, wf(task()), pool_config=pool)
    assert info.value.render() == (
        f"{pool}: Pool lab is undergoing maintenance. Users will have to wait until maintenance "
        "is completed before submission."
    )
    assert load_pool(pool).maintenance is True


# -- credentials ------------------------------------------------------------------------------

CREDS = """\
workflow:
  name: creds
  tasks:
  - name: t1
    image: u
    command: [x]
    credentials:
      db:
        DB_USER: user
        DB_PASS: pasword
      aws: /root/.aws
      wandb: {WANDB_API_KEY: key}
"""


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "config" / "osmo-tui" / "credentials.yaml"
    path.parent.mkdir(parents=True)
    path.write_text("db: {user: alice, password: s3cret-value}\naws: {region: eu}\n")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return path


def test_credentials_checked_against_the_store(tmp_path: Path, store: Path) -> None:
    assert located(tmp_path, CREDS) == [
        (
            10,
            18,
            "pasword is not a valid credential key please choose from "
            "dict_keys(['user', 'password'])",
        ),
        (12, 7, "Could not find the credential: wandb."),
    ]
    fixed = CREDS.replace("pasword", "password").replace("      wandb: {WANDB_API_KEY: key}\n", "")
    assert load(tmp_path, fixed).warnings == []


def test_credentials_unchecked_without_a_store(tmp_path: Path) -> None:
    loaded = load(tmp_path, CREDS)
    store = Path.home() / ".config" / "osmo-tui" / "credentials.yaml"
    assert [(w.location.line if w.location else None, w.message) for w in loaded.warnings] == [
        (
            7,
            f"credentials aws, db, wandb not checked: no local credential store at {store} "
            "(osmo-tui's stand-in for `osmo credential set`; OSMO refuses credentials you have "
            "not set)",
        )
    ]


def test_broken_store_is_a_located_error(tmp_path: Path, store: Path) -> None:
    store.write_text("db: [a, b]\n")
    with pytest.raises(SpecErrors) as info:
        load(tmp_path, CREDS)
    assert info.value.render() == f"{store}:1:1: every credential must be a mapping of key: value"
    store.write_text("db: {a: b\n")
    with pytest.raises(SpecErrors) as info:
        load(tmp_path, CREDS)
    assert info.value.render().startswith(f"{store}:2:1: cannot read credentials file: ")


def test_validate_reports_credentials_on_the_command_line(
    tmp_path: Path, store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, CREDS)
    assert main(["validate", str(path)]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"{path}:10:18: pasword is not a valid credential key please choose from "
        "dict_keys(['user', 'password'])",
        f"{path}:12:7: Could not find the credential: wandb.",
    ]
