"""Workflows run for real on the test cluster's real node and end as on Docker and in the simulator.

The node (scripts/k8s/node-up.sh) is a kubelet with Debian's containerd, CNI bridge networking
and CoreDNS; its namespace `osmo-real` puts every pod on it, and the PVC `osmo-data` carries data
between tasks. Images are the project's stand-ins, pulled from the local registry.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from simulator.backends.sim import SimRun
from simulator.engine.events import TaskInitializing, TaskLog, TaskReady, TaskRunning
from simulator.engine.report import build_report
from simulator.engine.snapshot import RunSnapshot, fold
from simulator.spec.loader import load_workflow
from tests.backends.contract import BackendContract
from tests.backends.expansion import ExpansionContract
from tests.backends.workflows import (
    CANCEL_ME,
    CREDENTIALS,
    CREDENTIALS_LOGS,
    FILES_AND_ENV,
    FILES_AND_ENV_LOGS,
    HOSTS_PAIR,
    TUTORIALS,
    group_communication_with_a_retrying_client,
    write_credentials,
)
from tests.docker.driver import Result, plan_for, run
from tests.kubernetes.conftest import RealNode

pytestmark = [pytest.mark.kubernetes, pytest.mark.slow]


class Outcome:
    """A finished run: its events (Result) and its `simulate --json` report."""

    def __init__(self, result: Result, report: dict[str, Any]) -> None:
        self.result, self.report = result, report

    def logs(self, task: str) -> list[str]:
        return self.result.logs(task)


def run_on_node(
    node: RealNode,
    workflow: str | Path,
    tmp_path: Path,
    *,
    cancel_after: float | None = None,
    on_event: Callable[[Any, Any], None] | None = None,
    **load: Any,
) -> Outcome:
    """Run a workflow (a path or YAML text) on the real node; asserts it ran there and left nothing."""
    import os

    path = workflow if isinstance(workflow, Path) else tmp_path / "workflow.yaml"
    if not isinstance(workflow, Path):
        path.write_text(workflow, encoding="utf-8")
    plan = plan_for(path, **load)
    backend = node.backend(pool=load.get("pool"))
    snap = RunSnapshot.from_plan(plan)

    def record(event: Any, live: Any) -> None:
        fold(snap, event)
        if on_event is not None:
            on_event(event, live)

    runs = Path(os.environ["OSMO_TUI_RUNS_DIR"])
    result = asyncio.run(run(plan, backend, runs, cancel_after=cancel_after, on_event=record))
    placed = {e.node for e in result.events if isinstance(e, TaskInitializing)}
    assert placed <= {node.name}, placed
    left = node.cluster.core().list_namespaced_pod(
        node.namespace, label_selector=f"osmo-tui/run={backend.run_id}"
    )
    assert all(p.metadata.deletion_timestamp for p in left.items)
    return Outcome(result, build_report(snap))


def _statuses(report: dict[str, Any]) -> dict[str, Any]:
    tasks = {n: (t["status"], t["exit_code"]) for n, t in report["tasks"].items()}
    return {"workflow": report["workflow"]["status"], "tasks": tasks}


class TestRealNodeContract(BackendContract):
    """The backend conformance suite, every command really run in a container."""

    @pytest.fixture(autouse=True)
    def _node(self, real_node: RealNode) -> None:
        self.node = real_node

    def run_plan(self, plan: Any, tmp_path: Path) -> dict[str, Any]:
        from tests.backends.contract import run_realtime

        backend = self.node.backend()
        report = run_realtime(plan, backend, tmp_path, timeout=180)
        left = self.node.cluster.core().list_namespaced_pod(
            self.node.namespace, label_selector=f"osmo-tui/run={backend.run_id}"
        )
        assert all(p.metadata.deletion_timestamp for p in left.items)
        return report


@pytest.mark.cookbook
@pytest.mark.parametrize(
    "name",
    ["hello_world", "serial_workflow", "parallel_tasks", "group_tasks", "token_example"],
)
def test_tutorial_matches_the_simulator(name: str, real_node: RealNode, tmp_path: Path) -> None:
    path = TUTORIALS / f"{name}.yaml"
    loaded = load_workflow(path)
    from simulator.engine.from_spec import plan_from_spec

    sim = SimRun(plan_from_spec(loaded), pool=loaded.pool)
    sim.run_to_end()
    outcome = run_on_node(real_node, path, tmp_path)
    assert _statuses(outcome.report) == _statuses(build_report(sim.snapshot))


@pytest.mark.cookbook
def test_data_flows_between_tasks_over_the_pvc(real_node: RealNode, tmp_path: Path) -> None:
    outcome = run_on_node(real_node, TUTORIALS / "serial_workflow.yaml", tmp_path)
    assert outcome.report["workflow"]["status"] == "COMPLETED"
    assert outcome.logs("task1") == ["Hello from task1 task1"]
    assert outcome.logs("task3") == [
        "Hello from task3 /osmo/data/output",
        "Reading from task 1",
        "a line: Data from task 1",
        "Reading from task 2",
        "a line: Data from task 2",
    ]


def test_host_tokens_resolve_through_cluster_dns_and_the_lead_ends_the_group(
    real_node: RealNode, tmp_path: Path
) -> None:
    # the server is the lead: once it has served one client it exits, which ends its sibling
    # (sleeping on after the exchange) with "Lead task finished"
    outcome = run_on_node(real_node, HOSTS_PAIR, tmp_path)
    assert outcome.report["workflow"]["status"] == "COMPLETED"
    (line,) = outcome.logs("client")
    assert line.startswith("got=pong from server.")
    assert line.endswith(f".{real_node.namespace}.svc.cluster.local")
    assert outcome.logs("server") == ["served"]
    final = outcome.result.final()
    assert final["client"] == ("COMPLETED", None, "Lead task finished")


@pytest.mark.cookbook
def test_group_communication_tutorial_with_a_retrying_client(
    real_node: RealNode, tmp_path: Path
) -> None:
    outcome = run_on_node(real_node, group_communication_with_a_retrying_client(), tmp_path)
    assert outcome.report["workflow"]["status"] == "COMPLETED"
    assert "Received from server: hello" in outcome.logs("client")


def _uptime() -> float:
    """The host's /proc/uptime clock, which containers read unchanged (no time namespace)."""
    return float(Path("/proc/uptime").read_text().split()[0])


def test_barrier_releases_the_group_within_seconds_of_the_last_ready(
    real_node: RealNode, tmp_path: Path
) -> None:
    # each pod is Ready once its container runs (the barrier's wait loop); the backend then
    # flips the pods' annotation, the kubelet rewrites their downward-API file and the loop
    # execs the command: every command starts after the last Ready, within a few seconds
    ready: dict[str, float] = {}

    def on_event(event: Any, _live: Any) -> None:
        if isinstance(event, (TaskReady, TaskRunning)):
            ready.setdefault(f"{event.kind}:{event.task}", _uptime())

    tasks = "".join(
        f"""
    - name: {name}
      image: ubuntu:24.04
      command: [sh, -c, 'cut -d" " -f1 /proc/uptime; sleep 1']"""
        for name in ("w1", "w2", "w3")
    )
    outcome = run_on_node(
        real_node,
        f"""
workflow:
  name: barrier
  groups:
  - name: g
    tasks:
    - name: lead
      lead: true
      image: ubuntu:24.04
      command: [sh, -c, 'cut -d" " -f1 /proc/uptime; sleep 2']{tasks}
""",
        tmp_path,
        on_event=on_event,
    )
    assert outcome.report["workflow"]["status"] == "COMPLETED"
    last_ready = max(v for k, v in ready.items() if k.startswith("task_ready:"))
    logs = {t: outcome.logs(t) for t in ("lead", "w1", "w2", "w3")}
    assert all(logs.values()), logs
    starts = {t: float(lines[0]) for t, lines in logs.items()}
    # no command started before the whole group was ready (10 ms: /proc/uptime's resolution)
    assert min(starts.values()) >= last_ready - 0.02, (starts, ready)
    latency = max(starts.values()) - last_ready
    print(f"barrier release latency on the real node: {latency:.2f} s")
    assert latency < 5.0, (starts, ready)


def test_files_env_and_command_substitution(real_node: RealNode, tmp_path: Path) -> None:
    outcome = run_on_node(real_node, FILES_AND_ENV, tmp_path)
    assert outcome.report["workflow"]["status"] == "COMPLETED"
    assert outcome.logs("use") == FILES_AND_ENV_LOGS


def test_credentials_as_env_and_files_are_masked(
    real_node: RealNode, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OSMO_TUI_CREDENTIALS", str(write_credentials(tmp_path)))
    outcome = run_on_node(real_node, CREDENTIALS, tmp_path)
    assert outcome.report["workflow"]["status"] == "COMPLETED"
    assert outcome.logs("use") == CREDENTIALS_LOGS


def test_cancel_mid_run_kills_the_pods(real_node: RealNode, tmp_path: Path) -> None:
    started = time.monotonic()
    outcome = run_on_node(real_node, CANCEL_ME, tmp_path, cancel_after=8.0)
    assert outcome.report["workflow"]["status"] == "FAILED_CANCELED"
    final = outcome.result.final()
    assert final["lead"][0] == final["stubborn"][0] == "FAILED_CANCELED"
    assert time.monotonic() - started < 60


def test_logs_stream_while_the_task_runs(real_node: RealNode, tmp_path: Path) -> None:
    seen: dict[str, float] = {}

    def on_event(event: Any, _live: Any) -> None:
        if isinstance(event, TaskLog) and event.stream != "osmo":
            seen.setdefault(event.line, time.monotonic())
        elif getattr(event, "kind", "") == "task_exited":
            seen.setdefault("<exited>", time.monotonic())

    outcome = run_on_node(
        real_node,
        """
workflow:
  name: logs
  tasks:
  - name: talk
    image: ubuntu:24.04
    command: [sh, -c, 'echo first; sleep 4; echo second; exit 3']
""",
        tmp_path,
        on_event=on_event,
    )
    assert outcome.report["tasks"]["talk"]["exit_code"] == 3
    assert outcome.logs("talk") == ["first", "second"]
    # the first line arrived while the task still ran, seconds before it exited
    assert seen["<exited>"] - seen["first"] > 2.0, seen


def test_only_the_node_namespace_lands_on_the_real_node(
    real_node: RealNode, namespace: str
) -> None:
    core = real_node.cluster.core()
    taints = core.read_node(real_node.name).spec.taints or []
    assert [(t.key, t.value, t.effect) for t in taints] == [
        ("osmo-tui/real-node", "true", "NoSchedule")
    ]
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "probe"},
        "spec": {"containers": [{"name": "c", "image": "busybox:1.36"}]},
    }
    # admission (server-side dry run): the node's namespace gets its selector and toleration ...
    real = core.create_namespaced_pod(real_node.namespace, pod, dry_run="All")
    assert real.spec.node_selector == {"osmo-tui/real-node": "true"}
    assert any(t.key == "osmo-tui/real-node" for t in real.spec.tolerations or [])
    # ... any other namespace gets neither, so the taint keeps its pods on the KWOK nodes
    other = core.create_namespaced_pod(namespace, pod, dry_run="All")
    assert not other.spec.node_selector
    assert not any(t.key == "osmo-tui/real-node" for t in other.spec.tolerations or [])


def test_dollar_parentheses_are_the_kubelets_as_on_docker(
    real_node: RealNode, tmp_path: Path
) -> None:
    # the kubelet expands `$(GREETING)` (defined) in args and in env values defined after it,
    # and leaves `$(echo x)` (not a variable) to the shell: Docker now does exactly the same
    outcome = run_on_node(
        real_node,
        """
workflow:
  name: dollars
  tasks:
  - name: use
    image: ubuntu:24.04
    command: [sh, -c, 'echo "expanded=$(GREETING) value=$OTHER sub=$(echo x)"']
    environment:
      GREETING: hi
      OTHER: $(GREETING)
""",
        tmp_path,
    )
    assert outcome.report["workflow"]["status"] == "COMPLETED"
    assert outcome.logs("use") == ["expanded=hi value=hi sub=x"]


class TestRealNodeExpansion(ExpansionContract):
    """The shared `$(VAR)` table (tests/backends/expansion.py), on a real kubelet: the same
    cases the Docker backend runs, ending the same way."""

    @pytest.fixture(autouse=True)
    def _node(self, real_node: RealNode) -> None:
        self.node = real_node

    def run_plan(self, plan: Any, tmp_path: Path) -> dict[str, Any]:
        from tests.backends.contract import run_realtime

        return run_realtime(plan, self.node.backend(), tmp_path, timeout=180)


def test_exec_and_port_forward_reach_the_container(real_node: RealNode) -> None:
    """The kubelet's streaming path (API server -> kubelet -> containerd) that users' `kubectl
    exec` and `port-forward` take into a task's pod."""
    import json
    import os
    import socket
    import subprocess
    import uuid

    env = {**os.environ, "KUBECONFIG": real_node.cluster.kubeconfig}
    name = f"stream-{uuid.uuid4().hex[:6]}"
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": real_node.namespace},
        "spec": {
            "terminationGracePeriodSeconds": 0,
            "containers": [
                {
                    "name": "c",
                    "image": "busybox:1.36",
                    "command": ["sh", "-c", "while true; do echo pong | nc -l -p 8080; done"],
                }
            ],
        },
    }

    def kubectl(*args: str, timeout: float = 60) -> str:
        done = subprocess.run(
            ["kubectl", "-n", real_node.namespace, *args],
            env=env,
            input=json.dumps(pod),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    kubectl("create", "-f", "-")
    try:
        kubectl("wait", "--for=condition=Ready", f"pod/{name}", "--timeout=60s", timeout=90)
        assert kubectl("exec", name, "--", "cat", "/etc/hostname").strip() == name
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        forward = subprocess.Popen(
            ["kubectl", "-n", real_node.namespace, "port-forward", name, f"{port}:8080"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        try:
            assert forward.stdout is not None
            assert "Forwarding from" in forward.stdout.readline()
            with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
                assert conn.recv(64) == b"pong\n"
        finally:
            forward.terminate()
            forward.wait(10)
    finally:
        kubectl("delete", "pod", name, "--wait=false")
