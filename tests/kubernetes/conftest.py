"""A real control plane for the `kubernetes` tests: started (or reused) once per session.

The binaries come from scripts/k8s/build.sh (cached under ~/.cache/osmo-tui-k8s). Missing
binaries skip the tests locally with the reason, and fail them under CI=true. In CI the control
plane is stopped at the end of the session; locally it keeps running for the next session.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from simulator.backends.kubernetes import KubernetesBackend
from simulator.backends.kubernetes.options import KubeOptions
from simulator.engine.plan import Plan
from simulator.pool.config import PlatformConfig, PoolConfig
from tests.conftest import ROOT

SCRIPTS = ROOT / "scripts" / "k8s"
REAL_HOME = os.environ.get("HOME", str(Path.home()))
"""Read at import, before the autouse fixture points HOME at a temporary directory."""


def _paths() -> tuple[Path, Path]:
    """(bin dir, run dir) as versions.sh defines them."""
    out = subprocess.run(
        ["bash", "-c", f'source "{SCRIPTS}/versions.sh"; echo "$DEST/bin"; echo "$RUN_DIR"'],
        env={**os.environ, "HOME": REAL_HOME},
        capture_output=True,
        text=True,
        check=True,
    )
    bin_dir, run_dir = out.stdout.split()
    return Path(bin_dir), Path(run_dir)


@dataclass
class Cluster:
    kubeconfig: str
    run_dir: Path
    bin_dir: Path

    def api(self) -> Any:
        from kubernetes import config

        return config.new_client_from_config(config_file=self.kubeconfig, persist_config=False)

    def core(self) -> Any:
        from kubernetes import client

        return client.CoreV1Api(self.api())

    def script(self, name: str, *args: str, timeout: float = 300) -> str:
        env = {**os.environ, "HOME": REAL_HOME, "KUBECONFIG": self.kubeconfig}
        done = subprocess.run(
            ["bash", str(SCRIPTS / name), *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{name} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout


def _missing(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"kubernetes control plane unavailable in CI: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def kube_cluster() -> Iterator[Cluster]:
    bin_dir, run_dir = _paths()
    for binary in ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"):
        if not (bin_dir / binary).is_file():
            _missing(f"{bin_dir / binary} is not built (run scripts/k8s/build.sh, ~15-30 min once)")
    cluster = Cluster(str(run_dir / "admin.kubeconfig"), run_dir, bin_dir)
    try:
        cluster.script("up.sh", str(bin_dir), str(run_dir), str(SCRIPTS / "nodes.yaml"))
    except (RuntimeError, subprocess.TimeoutExpired) as err:
        _missing(f"the control plane did not start: {err}")
    yield cluster
    if os.environ.get("CI") == "true" or os.environ.get("OSMO_TUI_K8S_STOP"):
        cluster.script("down.sh", str(run_dir))
    else:  # leave it running for the next session, but put back what tests changed
        cluster.script("up.sh", str(bin_dir), str(run_dir), str(SCRIPTS / "nodes.yaml"))


@dataclass
class RealNode:
    """The real node of the test cluster (scripts/k8s/node-up.sh) and its conventions."""

    cluster: Cluster
    name: str = "osmo-real"
    namespace: str = "osmo-real"
    """Pods created here run on the real node only (and nowhere else)."""
    pvc: str = "osmo-data"

    def options(self, **options: Any) -> KubeOptions:
        """Backend options for the node's namespace with its data PVC (tasks' data flows over it)."""
        options.setdefault("grace_seconds", 2)
        return KubeOptions(
            kubeconfig=self.cluster.kubeconfig,
            namespace=self.namespace,
            data_pvc=self.pvc,
            **options,
        )

    def backend(self, *, pool: Any = None, **options: Any) -> KubernetesBackend:
        """A backend with `options(**options)`."""
        return KubernetesBackend(self.options(**options), pool=pool)


@pytest.fixture(scope="session")
def real_node(kube_cluster: Cluster) -> RealNode:
    """Start or reuse the real node (kubelet + containerd + CNI + CoreDNS); skip/fail without it.

    The control plane fixture stops it with the control plane under CI (down.sh)."""
    if os.geteuid() != 0:
        _missing("the real node needs root (kubelet: mounts, cgroups, network namespaces)")
    if not (kube_cluster.bin_dir / "kubelet").is_file():
        _missing(f"{kube_cluster.bin_dir / 'kubelet'} is not built (run scripts/k8s/build-node.sh)")
    try:
        kube_cluster.script("node-up.sh", timeout=600)
    except (RuntimeError, subprocess.TimeoutExpired) as err:
        _missing(f"the real node did not start: {err}")
    return RealNode(kube_cluster)


def wait_for(predicate: Any, timeout: float = 30.0, what: str = "condition") -> Any:
    """Poll a cheap test-side predicate (tests only: the backend itself never polls)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")


@pytest.fixture
def namespace(kube_cluster: Cluster) -> Iterator[str]:
    """A fresh namespace (pods are admitted once its default ServiceAccount exists)."""
    from kubernetes import client

    core = kube_cluster.core()
    name = f"t-{uuid.uuid4().hex[:8]}"
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=name)))

    def has_sa() -> bool:
        try:
            core.read_namespaced_service_account("default", name)
        except client.ApiException:
            return False
        return True

    wait_for(has_sa, 30, "the default ServiceAccount")
    yield name
    core.delete_namespace(name, grace_period_seconds=0)


POOL = PoolConfig(
    platforms={
        "x86": PlatformConfig(arch="amd64"),
        "jetson": PlatformConfig(arch="arm64"),
        "dgx": PlatformConfig(arch="amd64", gpus=8),
    }
)


class Run:
    """A backend plus everything it emitted; tests wait on the emitted reports."""

    def __init__(self, backend: KubernetesBackend, p: Plan) -> None:
        self.backend, self.plan = backend, p
        self.events: list[Any] = []

    async def wait(self, pred: Callable[[Any], bool], timeout: float = 20.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for ev in self.events:
                if pred(ev):
                    return ev
            await asyncio.sleep(0.05)
        raise AssertionError(f"no matching report in {timeout}s; got {self.events}")

    def of(self, kind: type, name: str) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind) and getattr(e, "task", "") == name]

    async def start(self, group: str) -> None:
        await self.backend.start_group(self.plan.groups[group], {})


@pytest.fixture
def runner(kube_cluster: Cluster, namespace: str, tmp_path: Any) -> Callable[..., Any]:
    """`async with runner(plan, **options) as run:` a prepared backend, closed at the end."""

    @contextlib.asynccontextmanager
    async def make(
        p: Plan, *, scenario: Any = None, credentials: Any = None, **options: Any
    ) -> AsyncIterator[Run]:
        """`options`: fields of KubeOptions (e.g. simulate_outcomes) for this run."""
        kube = KubeOptions(kubeconfig=kube_cluster.kubeconfig, namespace=namespace, **options)
        backend = KubernetesBackend(kube, pool=POOL, scenario=scenario, credentials=credentials)
        run = Run(backend, p)
        await backend.prepare(p, tmp_path, run.events.append)
        try:
            yield run
        finally:
            await backend.close()

    return make


def sync(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Run an async test body in its own event loop (the backend's threads post into it)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return asyncio.run(fn(*args, **kwargs))

    return wrapper
