"""The cookbook tutorials that need no external service, run for real with checked outputs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.backends.workflows import (
    HOSTS_PAIR,
    TUTORIALS,
    group_communication_with_a_retrying_client,
)

pytestmark = [pytest.mark.docker, pytest.mark.cookbook]


def test_serial_workflow_passes_outputs_downstream(run_workflow: Any) -> None:
    result = run_workflow(TUTORIALS / "serial_workflow.yaml")
    assert result.status == "COMPLETED"
    assert result.logs("task1") == ["Hello from task1 task1"]
    assert result.logs("task3") == [
        "Hello from task3 /osmo/data/output",
        "Reading from task 1",
        "a line: Data from task 1",
        "Reading from task 2",
        "a line: Data from task 2",
    ]
    outputs = result.run_dir / "outputs"
    assert (outputs / "task3" / "test_read.txt").read_text() == "Data from task 3\n"
    assert (outputs / "task1" / "test_read.txt").read_text() == "Data from task 1\n"


def test_parallel_tasks(run_workflow: Any) -> None:
    result = run_workflow(TUTORIALS / "parallel_tasks.yaml")
    assert result.status == "COMPLETED"
    for name in ("task-a", "task-b", "task-c"):
        assert result.logs(name) == [f"Hello from {name}"]


def test_combination_workflow(run_workflow: Any) -> None:
    result = run_workflow(TUTORIALS / "combination_workflow_simple.yaml")
    assert result.status == "COMPLETED"
    assert "sample_10,value_10" in result.logs("train-model-a")
    assert "10 /osmo/data/input/0/data/training_data.csv" in result.logs("train-model-b")
    final = result.final()
    assert {final[t][0] for t in final} == {"COMPLETED"}


def test_group_communication_through_host_tokens(run_workflow: Any) -> None:
    # The tutorial as written: both tasks start together when the barrier opens (as on OSMO);
    # its client does not retry, so whether it reads "hello" depends on which `nc` runs first.
    # What must hold whatever the race: the run completes and the client calls the server by its
    # group host name.
    result = run_workflow(TUTORIALS / "group_tasks_communication.yaml")
    assert result.status == "COMPLETED"
    client = result.logs("client")
    assert client[1].startswith("Calling server at server.")
    server = result.logs("server")
    if "Received from server: hello" in client:  # the server listened first
        assert server == ["Server: Starting...", "Server: Complete"]
    else:  # the client called first; the server's listen ran out its 50 s
        assert server == ["Server: Starting...", "nc: timed out", "Server: Complete"]


def test_group_communication_with_a_retrying_client(run_workflow: Any) -> None:
    # the message must cross the run network through the {{host:server}} name every time
    result = run_workflow(group_communication_with_a_retrying_client())
    assert result.status == "COMPLETED"
    assert "Received from server: hello" in result.logs("client")


def test_host_tokens_resolve_to_the_peer_on_the_run_network_and_the_lead_ends_the_group(
    run_workflow: Any,
) -> None:
    result = run_workflow(HOSTS_PAIR)
    assert result.status == "COMPLETED"
    assert result.logs("client") == ["got=pong from server.osmo-pair.wf-1.svc.cluster.local"]
    assert result.logs("server") == ["served"]
    assert result.final()["client"] == ("COMPLETED", None, "Lead task finished")


def test_templates_and_tokens(run_workflow: Any) -> None:
    hello = run_workflow(TUTORIALS / "template_hello_world.yaml")
    assert hello.status == "COMPLETED"
    assert hello.logs("hello") == ["Hello from OSMO!"]
    tokens = run_workflow(TUTORIALS / "token_example.yaml", set_values=("experiment_name=exp-7",))
    assert tokens.logs("experiment") == ["Running experiment: exp-7", "Workflow ID: wf-1"]


def test_resources_are_container_limits(run_workflow: Any) -> None:
    result = run_workflow(
        """
workflow:
  name: limits
  resources:
    default: {cpu: 1, memory: 256Mi, storage: 1Gi}
  tasks:
  - name: show
    image: ubuntu:24.04
    command: [sh, -c]
    args: ["cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/memory.max 2>/dev/null; df -k /dev/shm | tail -1"]
"""
    )
    assert result.status == "COMPLETED"
    lines = result.logs("show")
    assert str(256 * 1024 * 1024) in lines
    assert lines[-1].split()[1] == str(128 * 1024)  # shm: half the memory limit
    warnings = [e.message for e in result.events if e.kind == "warning"]
    assert any("storage limits are not enforced" in w for w in warnings)


def test_resources_basic_tutorial(run_workflow: Any) -> None:
    result = run_workflow(TUTORIALS / "resources_basic.yaml")
    assert result.status == "COMPLETED"
    assert result.logs("my-task") == ["Using default resources"]


def test_object_storage_urls_round_trip(
    run_workflow: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    buckets = tmp_path / "buckets"
    monkeypatch.setenv("OSMO_TUI_BUCKETS_DIR", str(buckets))
    upload = run_workflow(TUTORIALS / "data_upload.yaml")
    assert upload.status == "COMPLETED"
    model = buckets / "my-bucket" / "models" / "results" / "model.pth"
    assert model.read_text() == "Model checkpoint\n"
    (buckets / "my-bucket" / "data").mkdir(parents=True)
    (buckets / "my-bucket" / "data" / "sample.csv").write_text("1,2\n")
    download = run_workflow(TUTORIALS / "data_download.yaml")
    assert download.status == "COMPLETED"
    assert any(line.endswith("sample.csv") for line in download.logs("load-from-cloud"))


def test_missing_bucket_input_fails_like_a_download_error(
    run_workflow: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setenv("OSMO_TUI_BUCKETS_DIR", str(tmp_path / "empty"))
    result = run_workflow(TUTORIALS / "data_download.yaml")
    assert result.final()["load-from-cloud"][:2] == ("FAILED", 2010)


def test_checkpoints_copy_the_directory_periodically_and_at_the_end(
    run_workflow: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    buckets = tmp_path / "buckets"
    monkeypatch.setenv("OSMO_TUI_BUCKETS_DIR", str(buckets))
    result = run_workflow(
        """
workflow:
  name: ckpt
  tasks:
  - name: train
    image: ubuntu:24.04
    command: [sh, -c]
    args:
    - |
      mkdir -p /ckpt
      for i in 1 2 3 4; do echo "epoch $i" > /ckpt/epoch-$i.txt; echo "x" > /ckpt/skip-$i.log; sleep 1; done
    checkpoint:
    - path: /ckpt
      url: s3://ckpts/run1
      frequency: 1s
      regex: .*\\.txt$
"""
    )
    assert result.status == "COMPLETED"
    saved = sorted(p.name for p in (buckets / "ckpts" / "run1").iterdir())
    assert saved == ["epoch-1.txt", "epoch-2.txt", "epoch-3.txt", "epoch-4.txt"]  # final one too
    osmo = [e.line for e in result.events if e.kind == "task_log" and e.stream == "osmo"]
    finished = [
        line for line in osmo if "Checkpointing data from /ckpt" in line and "finished" in line
    ]
    assert len(finished) >= 2  # at least one periodic and the final checkpoint
