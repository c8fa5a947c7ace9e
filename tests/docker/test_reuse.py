"""Reuse of finished groups on the real Docker engine, through the run pipeline (docs/reuse.md).

Each test runs a workflow, edits it the way a user would between saves, and runs it again: what
must be reused is restored (logs, outputs that downstream reads), what changed runs. Images are
built from the local stand-in base images; nothing is pulled.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from simulator.backends.docker.options import DockerOptions
from simulator.reuse import ReuseStore, reuse_root
from simulator.run import prepare, start
from simulator.run.request import RunRequest
from simulator.runs.store import runs_root
from tests.docker.conftest import leftovers

pytestmark = [pytest.mark.docker]

CHAIN = """
workflow:
  name: chain
  groups:
  - name: g1
    tasks:
    - name: t1
      image: FIRST_IMAGE
      command: [sh, -c, 'echo first; T1; cat /etc/conf.txt > {{output}}/a.txt']
      files: [{path: /etc/conf.txt, contents: A}]
  - name: g2
    tasks:
    - name: t2
      image: IMAGE
      command: [sh, -c, 'echo second; cp {{input:0}}/a.txt {{output}}/b.txt; echo 2 >> {{output}}/b.txt']
      inputs: [{task: t1}]
  - name: g3
    tasks:
    - name: t3
      image: IMAGE
      command: [sh, -c, 'echo third; cat {{input:0}}/b.txt; T3']
      inputs: [{task: t2}]
"""


@pytest.fixture
def image(docker_client: Any, tmp_path: Path) -> Iterator[Any]:
    """A private tag built from the amd64 stand-in; `image.rebuild(marker)` changes its ID."""

    class Image:
        ref = f"osmo-tui-reuse-test:{uuid.uuid4().hex[:10]}"

        def rebuild(self, marker: str) -> str:
            ctx = tmp_path / f"ctx-{uuid.uuid4().hex[:6]}"
            ctx.mkdir()
            (ctx / "marker").write_text(marker + "\n")
            (ctx / "Dockerfile").write_text("FROM osmo-tui/base:amd64\nCOPY marker /marker\n")
            built, _ = docker_client.images.build(
                path=str(ctx), tag=self.ref, platform="linux/amd64", rm=True, forcerm=True
            )
            return str(built.id)

    made = Image()
    made.rebuild("one")
    yield made
    import docker.errors

    with contextlib.suppress(docker.errors.APIError):
        docker_client.images.remove(made.ref, force=True)


def write(
    tmp_path: Path,
    image: Any,
    t1: str = "true",
    t3: str = "true",
    text: str = CHAIN,
    others: str | None = None,
) -> Path:
    """The workflow with the test image (`others`: another image for every task but t1)."""
    path = tmp_path / "wf.yaml"
    body = text.replace("FIRST_IMAGE", image.ref).replace("IMAGE", others or image.ref)
    body = body.replace("T1", t1).replace("T3", t3)
    path.write_text(textwrap.dedent(body))
    return path


def run(
    path: Path, *, reuse: bool = True, fresh: tuple[str, ...] = ()
) -> tuple[dict[str, Any], Path]:
    """One run through the pipeline, as `run --headless --backend docker --reuse` does."""
    request = RunRequest(path=path, backend=DockerOptions(grace_period=2), reuse=reuse)
    execution = start(prepare(request), fresh=fresh)
    report = asyncio.run(asyncio.wait_for(execution.run_to_end(), timeout=300))
    assert execution.run_dir is not None
    return report, execution.run_dir


def reused(report: dict[str, Any]) -> dict[str, str | None]:
    return {name: t["reused_from"] for name, t in report["tasks"].items()}


def log(run_dir: Path, task: str) -> list[str]:
    return [
        line
        for line in (run_dir / "logs" / f"{task}.log").read_text().splitlines()
        if not line.startswith("[osmo]")
    ]


def test_edit_the_last_step_runs_only_the_last_step(
    docker_client: Any, image: Any, tmp_path: Path
) -> None:
    path = write(tmp_path, image)
    first, first_dir = run(path)
    assert first["workflow"]["status"] == "COMPLETED"
    assert reused(first) == {"t1": None, "t2": None, "t3": None}

    write(tmp_path, image, t3="echo edited")
    second, second_dir = run(path)
    assert second["workflow"]["status"] == "COMPLETED"
    source = first_dir.name
    assert reused(second) == {"t1": source, "t2": source, "t3": None}
    # The restored outputs are what downstream read, and the restored logs are the recorded ones.
    assert log(second_dir, "t3") == ["third", "A2", "edited"]  # a.txt has no newline
    assert log(second_dir, "t1") == log(first_dir, "t1") == ["first"]
    assert (second_dir / "outputs" / "t2" / "b.txt").read_text() == "A2\n"
    assert leftovers(docker_client, second_dir.name) == []

    third, _ = run(path)  # nothing changed: everything comes back, each from its own run
    assert reused(third) == {"t1": source, "t2": source, "t3": second_dir.name}


def test_an_upstream_that_reruns_with_the_same_output_keeps_downstream(
    docker_client: Any, image: Any, tmp_path: Path
) -> None:
    """The key covers the content of inputs, not whether their producer ran."""
    path = write(tmp_path, image)
    _, first_dir = run(path)
    write(tmp_path, image, t1="echo louder")  # t1 runs again, writes the same a.txt
    second, _ = run(path)
    assert reused(second) == {"t1": None, "t2": first_dir.name, "t3": first_dir.name}
    path.write_text(path.read_text().replace("contents: A", "contents: B"))  # new a.txt
    third, third_dir = run(path)
    assert reused(third) == {"t1": None, "t2": None, "t3": None}
    assert log(third_dir, "t3") == ["third", "B2"]


def test_a_rebuilt_image_runs_again(docker_client: Any, image: Any, tmp_path: Path) -> None:
    path = write(tmp_path, image, others="ubuntu:24.04")
    _, first_dir = run(path)
    image.rebuild("two")  # t1's tag now names another local image ID
    second, _ = run(path)
    # t1 ran again; it wrote the same a.txt, so what reads it is still reused.
    assert reused(second) == {"t1": None, "t2": first_dir.name, "t3": first_dir.name}


URL_INPUT = """
workflow:
  name: fromurl
  tasks:
  - name: reader
    image: IMAGE
    command: [sh, -c, 'cat {{input:0}}/data.txt']
    inputs: [{url: "s3://bucket/data"}]
"""


def test_a_changed_url_input_runs_again(
    docker_client: Any, image: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    buckets = tmp_path / "buckets"
    (buckets / "bucket" / "data").mkdir(parents=True)
    (buckets / "bucket" / "data" / "data.txt").write_text("v1\n")
    monkeypatch.setenv("OSMO_TUI_BUCKETS_DIR", str(buckets))
    path = write(tmp_path, image, text=URL_INPUT)
    _, first_dir = run(path)
    second, _ = run(path)
    assert reused(second) == {"reader": first_dir.name}
    (buckets / "bucket" / "data" / "data.txt").write_text("v2\n")
    third, third_dir = run(path)
    assert reused(third) == {"reader": None}
    assert log(third_dir, "reader") == ["v2"]


GANG = """
workflow:
  name: gang
  groups:
  - name: pair
    tasks:
    - name: lead
      lead: true
      image: IMAGE
      command: [sh, -c, 'echo lead; T1']
    - name: worker
      image: IMAGE
      command: [sh, -c, 'echo worker; T3']
"""


def test_a_group_is_reused_whole_or_not_at_all(
    docker_client: Any, image: Any, tmp_path: Path
) -> None:
    path = write(tmp_path, image, text=GANG, t3="sleep 30")
    first, _ = run(path)
    # The lead ended the group: the worker was stopped (COMPLETED by OSMO's rule, but its
    # command never ended), so nothing is kept.
    worker = first["tasks"]["worker"]
    assert (worker["status"], worker["exit_code"]) == ("COMPLETED", None)
    second, _ = run(path)
    assert reused(second) == {"lead": None, "worker": None}

    write(tmp_path, image, text=GANG, t1="sleep 1")  # both tasks complete
    third, third_dir = run(path)
    assert third["workflow"]["status"] == "COMPLETED"
    assert {t["status"] for t in third["tasks"].values()} == {"COMPLETED"}
    fourth, _ = run(path)
    assert reused(fourth) == {"lead": third_dir.name, "worker": third_dir.name}
    write(tmp_path, image, text=GANG, t1="sleep 1", t3="echo changed")  # only the worker
    fifth, _ = run(path)
    assert reused(fifth) == {"lead": None, "worker": None}


def test_a_failed_group_is_never_kept(docker_client: Any, image: Any, tmp_path: Path) -> None:
    path = write(tmp_path, image, t3="exit 3")
    first, first_dir = run(path)
    assert first["tasks"]["t3"]["status"] == "FAILED"
    second, _ = run(path)
    assert reused(second) == {"t1": first_dir.name, "t2": first_dir.name, "t3": None}
    assert second["tasks"]["t3"]["status"] == "FAILED"


def test_no_reuse_runs_everything_and_fresh_reruns_a_task_and_its_dependents(
    docker_client: Any, image: Any, tmp_path: Path
) -> None:
    path = write(tmp_path, image)
    _, first_dir = run(path)
    off, _ = run(path, reuse=False)
    assert reused(off) == {"t1": None, "t2": None, "t3": None}
    fresh, _ = run(path, fresh=("t2",))
    assert reused(fresh) == {"t1": first_dir.name, "t2": None, "t3": None}


def test_the_cap_bounds_the_store(
    docker_client: Any, image: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OSMO_TUI_REUSE_MAX_BYTES", "0")
    path = write(tmp_path, image)
    run(path)
    assert ReuseStore(reuse_root(runs_root())).entries() == []
    second, _ = run(path)
    assert reused(second) == {"t1": None, "t2": None, "t3": None}


def _osmo(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "osmo_tui.cli.main", *args],
        cwd=cwd,
        env=dict(os.environ),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_reused_from_in_json_events_and_junit(
    docker_client: Any, image: Any, tmp_path: Path
) -> None:
    path = write(tmp_path, image)
    flags = ["run", "--headless", str(path), "--backend", "docker", "--json"]
    once = _osmo(*flags, "--reuse", cwd=tmp_path)
    assert once.returncode == 0, once.stderr
    plain = _osmo(*flags, cwd=tmp_path)  # a one-shot run reuses only when asked
    assert all(t["reused_from"] is None for t in json.loads(plain.stdout)["tasks"].values())
    events, junit = tmp_path / "events.jsonl", tmp_path / "junit.xml"
    again = _osmo(*flags, "--reuse", "--events", str(events), "--junit", str(junit), cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    report = json.loads(again.stdout)
    sources = {t["reused_from"] for t in report["tasks"].values()}
    assert len(sources) == 1 and None not in sources
    source = sources.pop()
    kinds = [json.loads(line) for line in events.read_text().splitlines()]
    assert [(e["task"], e["source"]) for e in kinds if e["kind"] == "task_reused"] == [
        ("t1", source),
        ("t2", source),
        ("t3", source),
    ]
    assert junit.read_text().count(f'<property name="reused_from" value="{source}"/>') == 3
    assert _osmo("gc", "--reuse", cwd=tmp_path).returncode == 0
    cleared = _osmo(*flags, "--reuse", cwd=tmp_path)
    assert all(t["reused_from"] is None for t in json.loads(cleared.stdout)["tasks"].values())


APP_WORKFLOW = """\
workflow:
  name: app-reuse
  groups:
  - name: first
    tasks:
    - name: hello
      image: ubuntu:24.04
      command: [sh, -c, "echo one; echo two > {{output}}/x"]
  - name: second
    tasks:
    - name: consume
      image: ubuntu:24.04
      command: [sh, -c, "cat {{input:0}}/x; LAST"]
      inputs: [{task: hello}]
"""


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_the_app_reuses_on_reload_and_R_reruns_fresh(
    docker_client: Any, tmp_path: Path
) -> None:
    from osmo_tui.app.app import make_app
    from tests.tui.conftest import settle

    path = tmp_path / "app.yaml"
    path.write_text(APP_WORKFLOW.replace("LAST", "true"))
    request = RunRequest(path=path, backend=DockerOptions(grace_period=2), reuse=True)
    app = make_app(request, keymap={}, watch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, timeout=60)
        first = app.session.run_dir
        assert first is not None and app.session.snapshot is not None
        assert app.session.snapshot.finished
        path.write_text(APP_WORKFLOW.replace("LAST", "echo edited"))
        app.main_screen.runs.reload()  # what a save does
        await settle(pilot, timeout=60)
        snap = app.session.snapshot
        assert snap is not None and snap.finished and app.session.run_dir != first
        assert {n: t.reused_from for n, t in snap.tasks.items()} == {
            "hello": first.name,
            "consume": None,
        }
        assert app.session.logs.get("consume") == ["two", "edited"]
        await pilot.press("2", "enter")  # the table: select the first row, hello
        assert app.main_screen.selected == "hello"
        await pilot.press("R")
        await settle(pilot, timeout=60)
        snap = app.session.snapshot
        assert snap is not None and snap.finished
        assert {n: t.reused_from for n, t in snap.tasks.items()} == {
            "hello": None,
            "consume": None,
        }


def test_watch_reuses_by_default_and_no_reuse_turns_it_off(
    docker_client: Any, image: Any, tmp_path: Path
) -> None:
    """`run --watch --headless`: a save re-runs only what changed (unless --no-reuse)."""
    import signal
    import time

    from simulator.runs import RunStore

    def watch(*extra: str) -> list[dict[str, Any]]:
        before = len(RunStore().list())
        path = write(tmp_path, image)
        errors = tmp_path / f"stderr-{len(extra)}.txt"
        argv = ["run", "--headless", "--watch", str(path), "--backend", "docker", *extra]
        with errors.open("w") as err:
            proc = subprocess.Popen(
                [sys.executable, "-m", "osmo_tui.cli.main", *argv],
                cwd=tmp_path,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=err,
            )

        def finished() -> list[Any]:
            return [r for r in RunStore().list()[before:] if r.status == "COMPLETED"]

        try:
            deadline = time.monotonic() + 120
            while "osmo-tui: watching" not in errors.read_text() and time.monotonic() < deadline:
                time.sleep(0.5)  # the first run is over and the files are watched
            write(tmp_path, image, t3="echo saved")
            while len(finished()) < 2 and time.monotonic() < deadline:
                time.sleep(0.5)
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=60)
        runs = finished()
        assert len(runs) == 2, errors.read_text()
        return [json.loads((r.path / "report.json").read_text()) for r in runs]

    first, second = watch()
    assert reused(second) == {"t1": reused(second)["t1"], "t2": reused(second)["t1"], "t3": None}
    assert reused(second)["t1"] is not None and reused(first)["t1"] is None
    _, off = watch("--no-reuse")
    assert reused(off) == {"t1": None, "t2": None, "t3": None}


CREDS = """
workflow:
  name: creds
  tasks:
  - name: user
    image: IMAGE
    command: [sh, -c, 'test -n "$TOKEN" && echo has-token']
    credentials: {svc: {TOKEN: token}}
"""


def test_a_changed_credential_runs_again_and_is_never_stored(
    docker_client: Any, image: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store_file = tmp_path / "credentials.yaml"
    monkeypatch.setenv("OSMO_TUI_CREDENTIALS", str(store_file))
    secret = "first-secret-value-1234"
    store_file.write_text(f"svc:\n  token: {secret}\n")
    path = write(tmp_path, image, text=CREDS)
    _, first_dir = run(path)
    second, _ = run(path)
    assert reused(second) == {"user": first_dir.name}
    store_file.write_text("svc:\n  token: second-secret-value-5678\n")
    third, third_dir = run(path)
    assert reused(third) == {"user": None}
    assert log(third_dir, "user") == ["has-token"]
    kept = reuse_root(runs_root())
    for item in kept.rglob("*"):
        if item.is_file():
            text = item.read_bytes()
            assert secret.encode() not in text and b"second-secret" not in text, item
