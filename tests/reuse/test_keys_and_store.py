"""Reuse keys (one test per input kind that must change them), the bounded store, `gc --reuse`
and the `--reuse`/`--no-reuse` flags (docs/reuse.md). The keys come from workflows loaded by the
real spec loader; what a backend adds (image ID, architecture, input hashes) is passed as the
backend would report it: the Docker tests check those end to end."""

from __future__ import annotations

import os
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from osmo_tui.cli.main import build_parser, main
from osmo_tui.cli.request import run_request
from simulator.common.digests import tree_digest
from simulator.engine.from_spec import plan_from_spec
from simulator.reuse import ReuseEntry, ReuseStore, reuse_root
from simulator.reuse.keys import (
    credential_fingerprint,
    group_key,
    reusable_spec,
    task_material,
)
from simulator.reuse.session import downstream_closure
from simulator.runs import RunStore
from simulator.runs.store import runs_root
from simulator.spec.loader import load_workflow

BASE = """
workflow:
  name: wf
  resources:
    default: {cpu: 1, gpu: GPUS, platform: PLATFORM}
  groups:
  - name: g
    tasks:
    - name: t
      image: ubuntu:24.04
      command: [sh, -c, COMMAND]
      args: [ARGS]
      environment: {MODE: ENV}
      credentials: {cred: {SECRET: key}}
      files:
      - {path: /etc/app.conf, localpath: app.conf}
"""
IDENTITY = {"backend": "docker", "image_id": "sha256:aaa", "arch": "amd64"}
POOL = """
default_platform: p1
platforms:
  p1: {arch: amd64, gpus: 2, simulated: false}
  p2: {arch: amd64, gpus: 2, simulated: false}
"""


def key_of(
    tmp_path: Path,
    *,
    command: str = "echo hi",
    args: str = "one",
    env: str = "fast",
    conf: str = "threads=1",
    secret: str = "s3cr3t-value",
    platform: str = "p1",
    gpus: int = 0,
    identity: dict[str, Any] | None = None,
    inputs: tuple[str, ...] = (),
    workflow_id: str = "wf-1",
) -> str:
    text = (
        BASE.replace("COMMAND", repr(command))
        .replace("ARGS", args)
        .replace("ENV", env)
        .replace("PLATFORM", platform)
        .replace("GPUS", str(gpus))
    )
    (tmp_path / "wf.yaml").write_text(textwrap.dedent(text))
    (tmp_path / "app.conf").write_text(conf)
    (tmp_path / "pool.yaml").write_text(POOL)
    creds = tmp_path / "credentials.yaml"
    creds.write_text(f"cred:\n  key: {secret}\n")
    os.environ["OSMO_TUI_CREDENTIALS"] = str(creds)
    loaded = load_workflow(tmp_path / "wf.yaml", pool_config=tmp_path / "pool.yaml")
    plan = plan_from_spec(loaded, workflow_id=workflow_id)
    group = plan.groups["g"]
    material = {}
    for name in group.tasks:
        task = plan.tasks[name]
        assert reusable_spec(plan, task) == ""
        fingerprint = credential_fingerprint(task, {"cred": {"key": secret}})
        assert fingerprint and secret not in fingerprint
        material[name] = task_material(
            plan,
            task,
            identity=identity or IDENTITY,
            inputs=list(inputs),
            credentials=fingerprint,
        )
    return group_key(plan, group, material)


@pytest.fixture(autouse=True)
def _credentials_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OSMO_TUI_CREDENTIALS", raising=False)


@pytest.mark.parametrize(
    "change",
    [
        {"command": "echo bye"},
        {"args": "two"},
        {"env": "slow"},
        {"conf": "threads=2"},  # a localpath file's contents
        {"secret": "an0ther-s3cret"},  # a credential's value (never in clear)
        {"platform": "p2"},
        {"gpus": 1},
        {"identity": {**IDENTITY, "image_id": "sha256:bbb"}},  # the image was rebuilt
        {"identity": {**IDENTITY, "arch": "arm64"}},
        {"inputs": ("sha256-of-another-upstream-output",)},
    ],
    ids=lambda c: next(iter(c)) + ("-arch" if "arm64" in str(c) else ""),
)
def test_each_input_kind_changes_the_key(tmp_path: Path, change: dict[str, Any]) -> None:
    assert key_of(tmp_path) == key_of(tmp_path)
    assert key_of(tmp_path, **change) != key_of(tmp_path)


def test_a_new_workflow_id_alone_keeps_the_key(tmp_path: Path) -> None:
    """Each recorded run gets the next `<name>-N`: that must not defeat reuse."""
    assert key_of(tmp_path, workflow_id="wf-1") == key_of(tmp_path, workflow_id="wf-2")


def test_what_is_not_understood_is_never_reused(tmp_path: Path) -> None:
    text = """
    workflow:
      name: wf
      groups:
      - name: g
        tasks:
        - name: t
          image: ubuntu:24.04
          command: [sh, -c, "true"]
          checkpoint: [{path: /ckpt, url: "s3://b/ckpt", frequency: 10s}]
      - name: h
        tasks:
        - name: u
          image: ubuntu:24.04
          command: [sh, -c, "true"]
          inputs: [{task: "other-workflow-3:t"}]
    """
    (tmp_path / "wf.yaml").write_text(textwrap.dedent(text))
    plan = plan_from_spec(load_workflow(tmp_path / "wf.yaml"))
    assert reusable_spec(plan, plan.tasks["t"]) == "it has checkpoints"
    assert "another workflow" in reusable_spec(plan, plan.tasks["u"])


def test_tree_digest_covers_names_and_contents(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "sub").mkdir(parents=True)
    (out / "sub" / "a.txt").write_text("1")
    first = tree_digest(out)
    os.utime(out / "sub" / "a.txt", (1, 1))
    assert tree_digest(out) == first  # times do not count
    (out / "sub" / "a.txt").write_text("2")
    assert tree_digest(out) != first
    (out / "sub" / "a.txt").write_text("1")
    assert tree_digest(out) == first
    (out / "sub" / "a.txt").rename(out / "sub" / "b.txt")
    assert tree_digest(out) != first
    assert tree_digest(tmp_path / "missing") is None


def test_downstream_closure_takes_every_dependent_group(tmp_path: Path) -> None:
    text = """
    workflow:
      name: wf
      groups:
      - {name: a, tasks: [{name: a1, image: x, command: ["true"]}]}
      - {name: b, tasks: [{name: b1, image: x, command: ["true"], inputs: [{task: a1}]}]}
      - {name: c, tasks: [{name: c1, image: x, command: ["true"], inputs: [{task: b1}]}]}
      - {name: d, tasks: [{name: d1, image: x, command: ["true"]}]}
    """
    (tmp_path / "wf.yaml").write_text(textwrap.dedent(text))
    plan = plan_from_spec(load_workflow(tmp_path / "wf.yaml"))
    assert downstream_closure(plan, ["b1"]) == {"b", "c"}
    assert downstream_closure(plan, []) == frozenset()


# --- the store --------------------------------------------------------------------------------


def _put(store: ReuseStore, key: str, size: int, place: str = "local") -> None:
    store.begin(key)
    out = store.layout.outputs(key, "t")
    out.mkdir(parents=True)
    (out / "blob").write_bytes(b"x" * size)
    store.write_logs(key, "t", [("stdout", f"line of {key}")])
    store.commit(ReuseEntry(key, "run-" + key, "wf", "g", ["t"], place, bytes=size))


def test_the_store_evicts_the_least_recently_used_past_its_cap(tmp_path: Path) -> None:
    store = ReuseStore(tmp_path / "reuse", cap=2500)
    for key in ("k1", "k2", "k3"):
        _put(store, key, 1000)
        time.sleep(0.01)
    assert store.get("k1", "local") is not None  # k1 used last: k2 is now the oldest
    assert store.evict("local") == ["k2"]
    assert sorted(e.key for e in store.entries()) == ["k1", "k3"]
    assert not store.layout.entry("k2").exists()
    assert store.logs("k1", "t") == [("stdout", "line of k1")]
    _put(store, "far", 10_000, place="pvc:ns/claim")
    assert store.evict("local") == []  # each place has its own bound
    assert store.get("far", "local") is None  # outputs kept elsewhere are not reusable here


def test_an_interrupted_save_is_never_used(tmp_path: Path) -> None:
    store = ReuseStore(tmp_path / "reuse")
    store.begin("half")
    store.write_logs("half", "t", [("stdout", "x")])
    assert store.get("half", "local") is None and store.entries() == []


def test_gc_reuse_clears_the_store_and_runs_are_not_listed_from_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    store = ReuseStore(reuse_root(runs_root()))
    _put(store, "k1", 100)
    assert RunStore().list() == []  # the store's directory is not a (damaged) run
    assert main(["gc", "--reuse", "--dry-run"]) == 0
    assert "would remove 1 reusable results" in capsys.readouterr().out
    assert store.get("k1", "local") is not None
    assert main(["gc", "--reuse"]) == 0
    assert "removed 1 reusable results" in capsys.readouterr().out
    assert store.entries() == []


def test_the_cap_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OSMO_TUI_REUSE_MAX_BYTES", "500Mi")
    assert ReuseStore(Path("/nonexistent")).cap == 500 * 1024**2
    monkeypatch.setenv("OSMO_TUI_REUSE_MAX_BYTES", "lots")
    wf = tmp_path / "wf.yaml"
    wf.write_text("workflow:\n  name: wf\n  tasks:\n  - {name: t, image: x, command: ['true']}\n")
    code = main(["run", "--headless", str(wf), "--backend", "docker", "--reuse"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and err[-1].startswith("osmo-tui: OSMO_TUI_REUSE_MAX_BYTES='lots'")


@pytest.mark.parametrize(
    ("argv", "default", "expected"),
    [
        ([], False, False),  # one-shot run --headless
        (["--reuse"], False, True),
        ([], True, True),  # the app and --watch
        (["--no-reuse"], True, False),
    ],
)
def test_reuse_flags(argv: list[str], default: bool, expected: bool) -> None:
    args = build_parser().parse_args(["run", "wf.yaml", "--backend", "docker", *argv])
    assert run_request(args, reuse=default).reuse is expected


def test_reuse_and_no_reuse_exclude_each_other(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(["run", "wf.yaml", "--reuse", "--no-reuse"])
    assert exc.value.code == 2


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("busybox:1.36", (None, "library/busybox", "1.36")),
        ("ubuntu", (None, "library/ubuntu", "latest")),
        ("nvcr.io/nvidia/pytorch:24.01-py3", ("nvcr.io", "nvidia/pytorch", "24.01-py3")),
        ("127.0.0.1:5000/osmo-tui/base:amd64", ("127.0.0.1:5000", "osmo-tui/base", "amd64")),
        ("localhost/app", ("localhost", "app", "latest")),
        ("alpine@sha256:" + "a" * 64, (None, "library/alpine", "sha256:" + "a" * 64)),
    ],
)
def test_image_references_split_as_registries_read_them(
    ref: str, expected: tuple[str | None, str, str]
) -> None:
    from simulator.backends.kubernetes.reuse import registry_digest, split_ref

    assert split_ref(ref) == expected
    if expected[2].startswith("sha256:"):
        assert registry_digest(ref, None) == expected[2]  # pinned: no registry needed
    elif expected[0] is None or not expected[0].startswith("127."):
        assert registry_digest(ref, None) is None  # no registry of this host to ask: a miss


def test_outputs_are_linked_into_the_store_and_back(tmp_path: Path) -> None:
    from simulator.backends.docker.reuse import link_tree

    src = tmp_path / "run" / "outputs" / "t"
    (src / "sub").mkdir(parents=True)
    (src / "sub" / "data.bin").write_bytes(b"x" * 4096)
    (src / "link").symlink_to("sub/data.bin")
    kept = tmp_path / "store" / "k" / "outputs" / "t"
    assert link_tree(src, kept) == 4096
    assert (kept / "sub" / "data.bin").stat().st_ino == (src / "sub" / "data.bin").stat().st_ino
    assert os.readlink(kept / "link") == "sub/data.bin"
    back = tmp_path / "run2" / "outputs" / "t"
    link_tree(kept, back)
    assert tree_digest(back) == tree_digest(src)
    assert link_tree(tmp_path / "absent", tmp_path / "empty") == 0
    assert (tmp_path / "empty").is_dir()
