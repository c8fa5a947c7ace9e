"""Image pulls against a real registry (scripts/services/registry.sh) and the real dockerd.

Every test pushes its own images under a unique tag of `osmo-tui/test` (built FROM the stand-ins
with a marker file, so a task proves which image it ran) and removes every local copy at the end.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from simulator.backends.docker import DockerBackend
from simulator.backends.docker.options import DockerOptions
from simulator.engine.events import TaskLog
from simulator.pool.platforms import host_arch
from tests.docker.conftest import REAL_HOME, REGISTRY_SCRIPT, Registry, registry_paths

pytestmark = pytest.mark.docker

NATIVE = host_arch()
OTHER = "arm64" if NATIVE == "amd64" else "amd64"
UNAME = {"amd64": "x86_64", "arm64": "aarch64"}
TEST_LABEL = "org.osmo-tui.test=registry"
LIST_TYPE = "application/vnd.docker.distribution.manifest.list.v2+json"


class Images:
    """Unique test images: built locally, pushed, and (unless kept) removed again locally."""

    def __init__(self, client: Any, registry: Registry, tmp: Path) -> None:
        self.client, self.registry, self.tmp = client, registry, tmp
        self.repo = f"{registry.addr}/osmo-tui/test"
        self.prefix = uuid.uuid4().hex[:10]
        self.refs: set[str] = set()

    def ref(self, name: str) -> str:
        ref = f"{self.repo}:{self.prefix}-{name}"
        self.refs.add(ref)
        return ref

    def build(self, ref: str, arch: str, marker: str) -> str:
        """A local image for linux/<arch> whose /marker holds `marker`; its id."""
        ctx = self.tmp / f"ctx-{uuid.uuid4().hex[:6]}"
        ctx.mkdir()
        (ctx / "marker").write_text(marker + "\n")
        (ctx / "Dockerfile").write_text(
            f"FROM osmo-tui/base:{arch}\nCOPY marker /marker\nLABEL {TEST_LABEL}\n"
        )
        image, _ = self.client.images.build(
            path=str(ctx), tag=ref, platform=f"linux/{arch}", rm=True, forcerm=True
        )
        assert image.attrs["Architecture"] == arch
        return str(image.id)

    def push(self, ref: str, *, keep: bool = False) -> None:
        repo, _, tag = ref.rpartition(":")
        for item in self.client.api.push(repo, tag=tag, stream=True, decode=True):
            assert "error" not in item, item
        if not keep:
            self.forget(ref)

    def remote(self, arch: str, marker: str, name: str | None = None) -> str:
        """A ref that only the registry has: built, pushed, removed locally."""
        ref = self.ref(name or arch)
        self.build(ref, arch, marker)
        self.push(ref)
        return ref

    def manifest_list(self, name: str, children: dict[str, str]) -> str:
        """Push a manifest list `name` of already-pushed refs ({arch: ref}); its ref."""
        entries = []
        for arch, child in children.items():
            body, media_type, digest = self.registry.manifest(
                "osmo-tui/test", child.rpartition(":")[2]
            )
            platform = {"architecture": arch, "os": "linux"}
            entries.append(
                {"mediaType": media_type, "size": len(body), "digest": digest, "platform": platform}
            )
        body = json.dumps({"schemaVersion": 2, "mediaType": LIST_TYPE, "manifests": entries})
        ref = self.ref(name)
        self.registry.put_manifest(
            "osmo-tui/test", ref.rpartition(":")[2], body.encode(), LIST_TYPE
        )
        return ref

    def local(self, ref: str) -> Any | None:
        import docker.errors

        try:
            return self.client.images.get(ref)
        except docker.errors.ImageNotFound:
            return None

    def forget(self, ref: str) -> None:
        """Remove the local tag (Docker drops its repo@digest name with it)."""
        import docker.errors

        with contextlib.suppress(docker.errors.ImageNotFound):
            self.client.images.remove(ref)
        assert self.local(ref) is None, ref


@pytest.fixture
def images(docker_client: Any, registry: Registry, tmp_path: Path) -> Iterator[Images]:
    made = Images(docker_client, registry, tmp_path)
    mine = {"label": TEST_LABEL}
    before = {image.id for image in docker_client.images.list(filters=mine)}
    yield made
    for ref in sorted(made.refs):
        made.forget(ref)
    # A tag pulled for both arches leaves the first pull untagged (one arch per tag): drop it too.
    for image in docker_client.images.list(filters=mine):
        if image.id not in before:
            docker_client.images.remove(image.id, force=True)


def _workflow(*tasks: tuple[str, str, str], script: str = "uname -m; cat /marker") -> str:
    """One group of tasks, each (name, image, platform)."""
    lines = ["workflow:", "  name: pull", "  resources:", "    default: {cpu: 1, platform: host}"]
    for name, _, platform in tasks:
        lines.append(f"    {name}: {{cpu: 1, platform: {platform}}}")
    lines += ["  groups:", "  - name: g", "    tasks:"]
    for i, (name, image, _) in enumerate(tasks):
        lines += [f"    - name: {name}", f"      image: {image}", f"      resource: {name}"]
        lines += [f"      command: [sh, -c, '{script}']"]
        if i == 0:
            lines.append("      lead: true")
    return "\n".join(lines) + "\n"


def _osmo_lines(result: Any, task: str) -> list[str]:
    return [
        e.line
        for e in result.events
        if isinstance(e, TaskLog) and e.task == task and e.stream == "osmo"
    ]


def _backend(policy: str) -> DockerBackend:
    return DockerBackend(DockerOptions(pull_policy=policy, grace_period=1))


def test_missing_pulls_an_image_only_in_the_registry(run_workflow: Any, images: Images) -> None:
    marker = f"pulled-{images.prefix}"
    ref = images.remote(NATIVE, marker)
    assert images.local(ref) is None
    result = run_workflow(_workflow(("t", ref, "host")), backend=_backend("missing"))
    assert result.status == "COMPLETED", result.final()
    assert result.logs("t") == [UNAME[NATIVE], marker]
    # The progress reaches the user as the task's [osmo] log lines (app log pane, run store).
    progress = _osmo_lines(result, "t")
    assert progress and progress[0].startswith(f"[osmo] Pulling image {ref}: "), progress
    assert progress[-1] == f"[osmo] Pulled image {ref} for linux/{NATIVE}", progress
    log_file = (result.run_dir / "logs" / "t.log").read_text().splitlines()
    assert log_file[: len(progress)] == progress
    pulled = images.local(ref)
    assert pulled is not None and pulled.attrs["Architecture"] == NATIVE


def test_missing_uses_the_local_image_and_always_pulls_the_registry_one(
    run_workflow: Any, images: Images
) -> None:
    ref = images.ref("always")
    images.build(ref, NATIVE, "registry copy")
    images.push(ref)
    local_id = images.build(ref, NATIVE, "local copy")  # same tag, different content
    workflow = _workflow(("t", ref, "host"), script="cat /marker")

    kept = run_workflow(workflow, backend=_backend("missing"))
    assert kept.status == "COMPLETED"
    assert kept.logs("t") == ["local copy"]
    assert _osmo_lines(kept, "t") == []  # nothing pulled

    pulled = run_workflow(workflow, backend=_backend("always"))
    assert pulled.status == "COMPLETED"
    assert pulled.logs("t") == ["registry copy"]
    assert _osmo_lines(pulled, "t")[0].startswith(f"[osmo] Pulling image {ref}: ")
    now = images.local(ref)
    assert now is not None and now.id != local_id


def test_never_fails_an_absent_image_without_pulling(run_workflow: Any, images: Images) -> None:
    ref = images.remote(NATIVE, "never")
    result = run_workflow(_workflow(("t", ref, "host")), backend=_backend("never"))
    message = f"Container image {ref} is not present locally and the pull policy is never"
    assert result.final()["t"] == ("FAILED_IMAGE_PULL", 302, message)
    assert result.status == "FAILED"
    assert _osmo_lines(result, "t") == [f"[osmo] {message}"]
    assert images.local(ref) is None


def _refused(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


@pytest.mark.parametrize("case", ["unknown tag", "registry down"])
def test_unpullable_image_fails_the_task_and_the_workflow(
    run_workflow: Any, images: Images, registry: Registry, case: str
) -> None:
    if case == "unknown tag":
        ref, reason = images.ref("does-not-exist"), "manifest unknown"
    else:
        assert _refused(5999), "127.0.0.1:5999 must not be listening for this test"
        ref, reason = "127.0.0.1:5999/osmo-tui/base:amd64", "connection refused"
    workflow = _workflow(("t", ref, "host")) + (
        "  - name: after\n    tasks:\n    - name: next\n      image: ubuntu:24.04\n"
        '      command: [sh, -c, "true"]\n      inputs: [{task: t}]\n'
    )
    result = run_workflow(workflow, backend=_backend("missing"))
    status, code, message = result.final()["t"]
    assert (status, code) == ("FAILED_IMAGE_PULL", 302)
    assert message.startswith(f"Failed to pull image {ref}: ") and reason in message, message
    assert result.final()["next"][0] == "FAILED_UPSTREAM"
    assert result.status == "FAILED"
    assert images.local(ref) is None  # run_workflow also checked: no container or network left


def test_tasks_of_both_arches_pull_their_variant_of_one_manifest_list(
    run_workflow: Any, images: Images
) -> None:
    children = {
        arch: images.remote(arch, f"marker-{arch}", name=f"child-{arch}")
        for arch in (NATIVE, OTHER)
    }
    ref = images.manifest_list("multi", children)
    # Same group: both tasks start together and pull the same tag for different platforms. The
    # emulated task leads: under qemu it is the slow one, and a lead that ended first would end
    # the group before the other printed its marker.
    workflow = _workflow(("emulated", ref, f"host-{OTHER}"), ("native", ref, "host"))
    result = run_workflow(workflow, backend=_backend("missing"))
    assert result.status == "COMPLETED", result.final()
    assert result.logs("native") == [UNAME[NATIVE], f"marker-{NATIVE}"]
    assert result.logs("emulated") == [UNAME[OTHER], f"marker-{OTHER}"]
    assert _osmo_lines(result, "emulated")[-1] == f"[osmo] Pulled image {ref} for linux/{OTHER}"


def test_an_arm64_task_pulls_the_arm64_image_by_platform(run_workflow: Any, images: Images) -> None:
    children = {
        arch: images.remote(arch, f"m-{arch}", name=f"c-{arch}") for arch in (NATIVE, OTHER)
    }
    ref = images.manifest_list("list", children)
    result = run_workflow(_workflow(("arm", ref, "host-arm64")), backend=_backend("missing"))
    assert result.status == "COMPLETED", result.final()
    assert result.logs("arm") == ["aarch64", "m-arm64"]
    pulled = images.local(ref)
    assert pulled is not None and pulled.attrs["Architecture"] == "arm64"


def test_a_derived_image_never_borrows_the_stand_in_sibling(
    run_workflow: Any, images: Images
) -> None:
    # Built FROM a stand-in, it inherits the stand-in's org.osmo-tui.variant.* label; an
    # emulated task must not silently run the bare stand-in for the other arch instead.
    ref = images.ref("derived")
    images.build(ref, NATIVE, "derived")
    result = run_workflow(_workflow(("t", ref, f"host-{OTHER}")), backend=_backend("never"))
    status, code, message = result.final()["t"]
    assert (status, code) == ("FAILED_IMAGE_PULL", 302)
    assert message == (
        f"Container image {ref} is not available for linux/{OTHER} locally "
        "and the pull policy is never"
    )
    # The stand-ins themselves still serve both arches through their labels.
    stand_in = run_workflow(
        _workflow(("t", "ubuntu:24.04", f"host-{OTHER}"), script="uname -m"),
        backend=_backend("never"),
    )
    assert stand_in.logs("t") == [UNAME[OTHER]]


def _osmo(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "osmo_tui.cli.main", *args],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_cli_pull_policies(images: Images, registry: Registry, tmp_path: Path) -> None:
    # The stand-in registry.sh pushed: `always` pulls it even when a local copy exists.
    ref = images.ref("cli")  # only so that the fixture removes the local copy at the end
    base = f"{registry.addr}/osmo-tui/base:{NATIVE}"
    images.refs.add(base)
    wf = tmp_path / "wf.yaml"
    wf.write_text(_workflow(("t", base, "host"), script="uname -m"))
    events = tmp_path / "events.jsonl"
    args = ["simulate", str(wf), "--backend", "docker", "--json", "--no-record"]
    done = _osmo(*args, "--pull-policy", "always", "--events", str(events), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["workflow"]["status"] == "COMPLETED"
    lines = [json.loads(x) for x in events.read_text().splitlines()]
    logs = [e["line"] for e in lines if e["kind"] == "task_log" and e["task"] == "t"]
    assert logs[0].startswith(f"[osmo] Pulling image {base}: ")
    assert logs[-1] == UNAME[NATIVE]

    wf.write_text(_workflow(("t", ref, "host")))
    done = _osmo(*args, "--pull-policy", "never", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    task = json.loads(done.stdout)["tasks"]["t"]
    assert (task["status"], task["exit_code"]) == ("FAILED_IMAGE_PULL", 302)
    assert "the pull policy is never" in task["message"]


def _registry_script(**env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(REGISTRY_SCRIPT)],
        stdin=subprocess.DEVNULL,
        env={**os.environ, "HOME": REAL_HOME, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_registry_script_is_quick_and_changes_nothing_when_warm(registry: Registry) -> None:
    paths = registry_paths()
    pidfile = Path(paths["REGISTRY_RUN"]) / "registry.pid"
    before = pidfile.read_text() if pidfile.exists() else None
    digests = [registry.manifest("osmo-tui/base", t)[2] for t in ("amd64", "arm64", "multi")]
    done = _registry_script()
    assert done.returncode == 0, done.stderr
    assert "images up to date" in done.stdout
    assert done.stdout.rstrip().endswith(f"ready: http://{registry.addr}")
    after = pidfile.read_text() if pidfile.exists() else None
    assert after == before
    assert [registry.manifest("osmo-tui/base", t)[2] for t in ("amd64", "arm64", "multi")] == (
        digests
    )


def test_registry_script_fails_loudly_with_the_log_tail(registry: Registry, tmp_path: Path) -> None:
    # A private cache (the built binary linked in) and an address the registry cannot listen on.
    paths = registry_paths()
    cache = tmp_path / "cache"
    (cache / paths["REGISTRY_VERSION"]).mkdir(parents=True)
    (cache / paths["REGISTRY_VERSION"] / "registry").symlink_to(paths["REGISTRY_BIN"])
    done = _registry_script(
        OSMO_TUI_REGISTRY_CACHE=str(cache), OSMO_TUI_REGISTRY_ADDR="127.0.0.1:99999"
    )
    assert done.returncode == 1
    assert "[registry.sh] ERROR: the registry exited at start" in done.stderr
    assert "invalid port" in done.stderr  # the tail of the registry's own log


@contextlib.contextmanager
def _silent_registry() -> Iterator[int]:
    """A port that accepts connections and never answers: a registry that hangs."""
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            with contextlib.suppress(OSError):
                held.append(server.accept()[0])

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        server.close()


def test_a_pull_that_hangs_ends_in_the_start_timeout(run_workflow: Any) -> None:
    """OSMO's start timeout (`max_pod_restart_limit`, 30m by default; 2s from the pool config
    here) bounds a pull from a registry that never answers: FAILED_START_TIMEOUT, exit 3005."""
    from simulator.pool.config import load_pool

    pool = load_pool(overrides={"max_pod_restart_limit": "2s"})
    with _silent_registry() as port:
        ref = f"127.0.0.1:{port}/osmo-tui/hang:1"
        result = run_workflow(_workflow(("t", ref, "host")), backend=_backend("missing"), pool=pool)
    status, code, message = result.final()["t"]
    assert (status, code) == ("FAILED_START_TIMEOUT", 3005)
    assert message == "Task did not start within 2s (still initializing)."
    assert result.status == "FAILED"
