"""Docker test fixtures: a running engine with the stand-in images (started here if needed).

In CI (`CI=true`) a missing engine fails the session; on a developer machine the Docker tests
skip with the reason. Nothing here mocks Docker: every test talks to the real dockerd.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest

from simulator.backends.docker.options import DockerOptions
from tests.conftest import ROOT

SERVICE_SCRIPT = ROOT / "scripts" / "services" / "docker.sh"
REQUIRED_IMAGES = ("osmo-tui/base:amd64", "osmo-tui/base:arm64", "ubuntu:24.04", "alpine:3.18")


def _client() -> Any:
    import docker

    client = docker.from_env(timeout=30)
    client.ping()
    return client


def _missing_images(client: Any) -> list[str]:
    import docker.errors

    missing = []
    for name in REQUIRED_IMAGES:
        try:
            client.images.get(name)
        except docker.errors.ImageNotFound:
            missing.append(name)
    return missing


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"Docker engine unavailable in CI: {reason}", pytrace=False)
    pytest.skip(f"Docker engine unavailable: {reason}")


def _run_service_script() -> str:
    proc = subprocess.run(
        ["bash", str(SERVICE_SCRIPT)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    return "" if proc.returncode == 0 else (proc.stderr.strip() or proc.stdout.strip())[-2000:]


@pytest.fixture(scope="session")
def docker_client() -> Iterator[Any]:
    """A docker SDK client for the local engine, with the stand-in images built."""
    try:
        import docker  # noqa: F401
    except ImportError as exc:
        _unavailable(f"the docker SDK is not installed ({exc})")
    client = None
    try:
        client = _client()
        problem = "" if not _missing_images(client) else "stand-in images missing"
    except Exception as exc:
        problem = str(exc)
    if problem:
        if os.geteuid() != 0:
            _unavailable(f"{problem}; run `sudo bash {SERVICE_SCRIPT}`")
        failure = _run_service_script()
        if failure:
            _unavailable(f"{SERVICE_SCRIPT.name} failed: {failure}")
        try:
            client = _client()
        except Exception as exc:
            _unavailable(f"engine still unreachable after {SERVICE_SCRIPT.name}: {exc}")
        missing = _missing_images(client)
        if missing:
            _unavailable(f"images missing after {SERVICE_SCRIPT.name}: {', '.join(missing)}")
    yield client
    client.close()


def leftovers(client: Any, run_id: str | None = None) -> list[str]:
    """Names of containers/networks/volumes still labelled with a run id (all runs by default)."""
    from simulator.backends.docker.gc import find_leftovers

    return [f"{item.kind}:{item.name}" for item in find_leftovers(client, run=run_id)]


@pytest.fixture
def run_workflow(docker_client: Any, tmp_path: Any) -> Any:
    """Run a workflow (a path or YAML text) on DockerBackend; asserts nothing is left behind.

    The run dir is always under the test's private run store (never the working directory)."""
    import asyncio
    from pathlib import Path

    from simulator.backends.docker import DockerBackend
    from tests.docker.driver import plan_for, run

    def _run(
        workflow: Any,
        *,
        backend: Any = None,
        cancel_after: float | None = None,
        force: bool = False,
        on_event: Any = None,
        **load: Any,
    ) -> Any:
        path = Path(workflow) if isinstance(workflow, Path) else tmp_path / "workflow.yaml"
        if not isinstance(workflow, Path):
            path.write_text(workflow, encoding="utf-8")
        plan = plan_for(path, **load)
        runs = Path(os.environ["OSMO_TUI_RUNS_DIR"]).resolve()
        assert runs.is_relative_to(tmp_path.parent.parent), runs  # inside pytest's tmp tree
        backend = backend or DockerBackend(DockerOptions(grace_period=2), pool=load.get("pool"))
        result = asyncio.run(
            run(plan, backend, runs, cancel_after=cancel_after, force=force, on_event=on_event)
        )
        assert leftovers(docker_client, result.run_dir.name) == []
        return result

    return _run


# --- the local OCI registry (scripts/services/registry.sh) ---------------------------------------

REGISTRY_SCRIPT = ROOT / "scripts" / "services" / "registry.sh"
REGISTRY_VERSIONS = ROOT / "scripts" / "registry" / "versions.sh"
REAL_HOME = os.environ.get("HOME") or os.path.expanduser("~")
"""Read at import, before the autouse fixture points HOME at a temporary directory."""
REGISTRY_TAGS = ("amd64", "arm64", "multi")
"""What registry.sh pushes to osmo-tui/base: the two stand-ins and their manifest list."""
MANIFEST_TYPES = (
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.oci.image.manifest.v1+json",
)


def registry_paths() -> dict[str, str]:
    """REGISTRY_* as scripts/registry/versions.sh defines them (the cache under the real HOME)."""
    names = ("REGISTRY_ADDR", "REGISTRY_BIN", "REGISTRY_RUN", "REGISTRY_VERSION")
    out = subprocess.run(
        [
            "bash",
            "-c",
            f'source "{REGISTRY_VERSIONS}"; ' + "; ".join(f'echo "${n}"' for n in names),
        ],
        env={**os.environ, "HOME": REAL_HOME},
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(zip(names, out.stdout.splitlines(), strict=True))


class Registry:
    """The local registry's HTTP API (plain http on 127.0.0.0/8, which Docker trusts)."""

    def __init__(self, addr: str) -> None:
        self.addr = addr

    def _request(self, method: str, path: str, body: bytes | None = None, **headers: str) -> Any:
        import urllib.request

        request = urllib.request.Request(
            f"http://{self.addr}/v2/{path}", data=body, method=method, headers=headers
        )
        return urllib.request.urlopen(request, timeout=10)

    def manifest(self, repo: str, ref: str) -> tuple[bytes, str, str]:
        """(the manifest's bytes, its media type, its digest)."""
        with self._request("GET", f"{repo}/manifests/{ref}", Accept=",".join(MANIFEST_TYPES)) as r:
            return r.read(), r.headers["Content-Type"], r.headers["Docker-Content-Digest"]

    def put_manifest(self, repo: str, tag: str, body: bytes, media_type: str) -> None:
        with self._request("PUT", f"{repo}/manifests/{tag}", body, **{"Content-Type": media_type}):
            pass

    def problem(self) -> str:
        """Why this registry cannot serve the tests ('' when it can)."""
        try:
            with self._request("GET", ""):
                pass
            for tag in REGISTRY_TAGS:
                self.manifest("osmo-tui/base", tag)
        except Exception as exc:
            return f"http://{self.addr}: {exc}"
        return ""


def _registry_missing(reason: str) -> None:
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"local registry unavailable in CI: {reason}", pytrace=False)
    pytest.skip(f"local registry unavailable: {reason}")


@pytest.fixture(scope="session")
def registry(docker_client: Any) -> Registry:
    """The local registry with osmo-tui/base:{amd64,arm64,multi}, started here when it is built."""
    from pathlib import Path

    paths = registry_paths()
    found = Registry(paths["REGISTRY_ADDR"])
    if not found.problem():
        return found
    binary = Path(paths["REGISTRY_BIN"])
    if not binary.is_file():
        _registry_missing(f"{binary} is not built (run `bash {REGISTRY_SCRIPT}`, ~2 min once)")
    proc = subprocess.run(
        ["bash", str(REGISTRY_SCRIPT)],
        stdin=subprocess.DEVNULL,
        env={**os.environ, "HOME": REAL_HOME},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if proc.returncode != 0:
        _registry_missing(f"{REGISTRY_SCRIPT.name} failed: {proc.stderr.strip()[-2000:]}")
    problem = found.problem()
    if problem:
        _registry_missing(f"not serving after {REGISTRY_SCRIPT.name}: {problem}")
    return found
