"""Placement on the local engine: arm64 through qemu, GPUs from an inventory, credentials."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from simulator.backends.docker import DockerBackend
from simulator.backends.docker.options import DockerOptions
from simulator.engine.events import TaskInitializing, TaskScheduling
from tests.backends.workflows import (
    CREDENTIALS,
    CREDENTIALS_LOGS,
    FILES_AND_ENV,
    FILES_AND_ENV_LOGS,
    write_credentials,
)

pytestmark = pytest.mark.docker


def test_arm64_task_runs_through_qemu(run_workflow: Any) -> None:
    result = run_workflow(
        """
workflow:
  name: arm
  resources:
    default: {platform: host-arm64}
  tasks:
  - name: arch
    image: ubuntu:24.04
    command: [uname, -m]
"""
    )
    assert result.status == "COMPLETED"
    assert result.logs("arch") == ["aarch64"]
    init = next(e for e in result.events if isinstance(e, TaskInitializing))
    assert "linux/arm64 via qemu" in init.reason


GPU_WORKFLOW = """
workflow:
  name: gpus
  resources:
    two: {gpu: 2, platform: dgx-h100}
    default: {cpu: 1}
  groups:
  - name: first
    tasks:
    - name: train
      image: ubuntu:24.04
      resource: two
      command: [sh, -c, 'echo "gpus=$NVIDIA_VISIBLE_DEVICES"; sleep 2']
  - name: second
    tasks:
    - name: eval
      image: ubuntu:24.04
      resource: two
      command: [sh, -c, 'echo "gpus=$NVIDIA_VISIBLE_DEVICES"']
  - name: cpu-only
    tasks:
    - name: plain
      image: ubuntu:24.04
      command: [sh, -c, 'echo "gpus=[$NVIDIA_VISIBLE_DEVICES]"']
"""


def test_gpus_are_assigned_from_the_inventory_and_never_shared(run_workflow: Any) -> None:
    result = run_workflow(
        GPU_WORKFLOW, backend=DockerBackend(DockerOptions(gpus="0,1,2", grace_period=1))
    )
    assert result.status == "COMPLETED"
    assert result.logs("train") == ["gpus=0,1"]
    assert result.logs("plain") == ["gpus=[]"]
    # eval needs 2 of 3 GPUs while train holds 2: it waits in SCHEDULING, says why, then gets 0,1
    waits = [
        e for e in result.events if isinstance(e, TaskScheduling) and e.task == "eval" and e.reason
    ]
    assert waits[0].reason == "waiting for 2 free GPUs; 1 free, in use: 0 (train), 1 (train)"
    assert result.logs("eval") == ["gpus=0,1"]
    init = next(e for e in result.events if isinstance(e, TaskInitializing) and e.task == "train")
    assert init.reason.endswith("GPUs 0,1")


def test_credentials_as_env_and_files_are_masked(
    run_workflow: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setenv("OSMO_TUI_CREDENTIALS", str(write_credentials(tmp_path)))
    result = run_workflow(CREDENTIALS)
    assert result.status == "COMPLETED"
    assert result.logs("use") == CREDENTIALS_LOGS


def test_files_and_base64_files_exist_before_the_command(run_workflow: Any) -> None:
    result = run_workflow(FILES_AND_ENV)
    assert result.status == "COMPLETED"
    assert result.logs("use") == FILES_AND_ENV_LOGS


def test_gpu_gang_that_cannot_fit_now_waits_in_scheduling_until_queue_timeout(
    run_workflow: Any,
) -> None:
    result = run_workflow(
        """
workflow:
  name: busy
  timeout: {queue_timeout: 3s}
  resources:
    default: {gpu: 2}
  tasks:
  - name: holder
    image: ubuntu:24.04
    command: [sleep, '8']
  - name: waiter
    image: ubuntu:24.04
    command: [sh, -c, 'echo never']
""",
        backend=DockerBackend(DockerOptions(gpus="0,1", grace_period=1)),
    )
    assert result.status == "FAILED_QUEUE_TIMEOUT"
    final = result.final()
    assert final["holder"][:2] == ("COMPLETED", 0)
    assert final["waiter"][:2] == ("FAILED_QUEUE_TIMEOUT", None)
    waits = [e.reason for e in result.events if isinstance(e, TaskScheduling) and e.reason]
    assert waits == ["waiting for 2 free GPUs; 0 free, in use: 0 (holder), 1 (holder)"]
    assert result.logs("waiter") == []


def test_gpu_request_beyond_the_inventory_is_one_clear_error(
    run_workflow: Any, tmp_path: Path
) -> None:
    from simulator.errors import BackendError

    text = """
workflow:
  name: too-big
  groups:
  - name: pair
    tasks:
    - name: a
      lead: true
      image: ubuntu:24.04
      resource: one
      command: ['true']
    - name: b
      image: ubuntu:24.04
      resource: one
      command: ['true']
  resources:
    one: {gpu: 1}
"""
    with pytest.raises(BackendError, match="Group pair needs 2 GPUs at once") as info:
        run_workflow(text, backend=DockerBackend(DockerOptions(gpus="0", grace_period=1)))
    assert "--gpu-inventory" in info.value.render()


def test_host_network_where_the_pool_allows_it(run_workflow: Any) -> None:
    import socket

    from simulator.pool.config import load_pool

    allowed = {"platforms": {"host": {"host_network_allowed": True}}}
    result = run_workflow(
        """
workflow:
  name: hostnet
  resources:
    default: {platform: host}
  tasks:
  - name: t
    image: ubuntu:24.04
    hostNetwork: true
    command: [hostname]
""",
        pool=load_pool(None, overrides=allowed),
    )
    assert result.status == "COMPLETED"
    assert result.logs("t") == [socket.gethostname()]  # the host's network (and UTS) namespace
