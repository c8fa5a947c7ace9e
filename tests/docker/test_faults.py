"""Faults on the real engine: cancel, lead termination, OOM, image pull; nothing left behind."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from simulator.backends.docker import DockerBackend
from simulator.backends.docker.options import DockerOptions
from simulator.engine.events import TaskLog
from tests.backends.workflows import CANCEL_ME

pytestmark = pytest.mark.docker


def test_cancel_mid_run_kills_containers_and_drops_outputs(run_workflow: Any) -> None:
    started = time.monotonic()
    result = run_workflow(CANCEL_ME, cancel_after=2.0)
    assert result.status == "FAILED_CANCELED"
    final = result.final()
    assert final["lead"][0] == final["stubborn"][0] == "FAILED_CANCELED"
    assert "Task was canceled by user" in final["lead"][2]
    assert time.monotonic() - started < 30  # SIGKILL after the 2 s grace period
    assert not (result.run_dir / "outputs" / "lead").exists()


def test_lead_termination_stops_a_long_running_sibling(run_workflow: Any) -> None:
    started = time.monotonic()
    result = run_workflow(
        """
workflow:
  name: lead-ends
  groups:
  - name: g
    tasks:
    - name: lead
      lead: true
      image: ubuntu:24.04
      command: [sh, -c, 'sleep 1; echo lead done']
    - name: worker
      image: ubuntu:24.04
      command: [sh, -c, 'echo working; sleep 300']
"""
    )
    assert result.status == "COMPLETED"
    assert result.final()["worker"] == ("COMPLETED", None, "Lead task finished")
    assert result.logs("worker") == ["working"]
    assert time.monotonic() - started < 30


def test_out_of_memory_is_failed_evicted(run_workflow: Any) -> None:
    result = run_workflow(
        """
workflow:
  name: oom
  resources:
    default: {memory: 32Mi}
  tasks:
  - name: hog
    image: ubuntu:24.04
    command: [sh, -c, 'x=$(head -c 300000000 /dev/zero | tr "\\\\0" a); echo survived']
"""
    )
    assert result.final()["hog"][:2] == ("FAILED_EVICTED", 3004)
    assert result.status == "FAILED_EVICTED"


@pytest.fixture
def sentinel_cwd(tmp_path: Path, monkeypatch: Any) -> Path:
    """A scratch working directory holding `keep.txt`: a failing attempt's cleanup once deleted
    the current working directory, so failures run from here and the file must survive."""
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    (cwd / "keep.txt").write_text("still here")
    monkeypatch.chdir(cwd)
    return cwd


def test_missing_image_with_pull_policy_never_leaves_the_cwd_alone(
    run_workflow: Any, sentinel_cwd: Path
) -> None:
    result = run_workflow(
        """
workflow:
  name: nopull
  tasks:
  - name: t
    image: osmo-tui-test/not-here:1
    command: ["true"]
""",
        backend=DockerBackend(DockerOptions(pull_policy="never", grace_period=1)),
    )
    status, code, message = result.final()["t"]
    assert (status, code) == ("FAILED_IMAGE_PULL", 302)
    assert "not present locally and the pull policy is never" in message
    assert (sentinel_cwd / "keep.txt").read_text() == "still here"


def test_failed_pull_is_failed_image_pull(run_workflow: Any, sentinel_cwd: Path) -> None:
    result = run_workflow(
        """
workflow:
  name: badpull
  tasks:
  - name: t
    image: localhost:1/osmo-tui-test/nothing:1
    command: ["true"]
"""
    )
    status, code, message = result.final()["t"]
    assert (status, code) == ("FAILED_IMAGE_PULL", 302)
    assert message.startswith("Failed to pull image localhost:1/osmo-tui-test/nothing:1")
    assert (sentinel_cwd / "keep.txt").read_text() == "still here"


def test_nonzero_exit_keeps_outputs(run_workflow: Any) -> None:
    result = run_workflow(
        """
workflow:
  name: keep
  tasks:
  - name: fails
    image: ubuntu:24.04
    command: [sh, -c, 'echo kept > {{output}}/result.txt; exit 7']
"""
    )
    assert result.final()["fails"][:2] == ("FAILED", 7)
    assert (result.run_dir / "outputs" / "fails" / "result.txt").read_text() == "kept\n"


def test_command_not_found_is_127(run_workflow: Any) -> None:
    result = run_workflow(
        """
workflow:
  name: missing
  tasks:
  - name: t
    image: ubuntu:24.04
    command: [no-such-program]
"""
    )
    assert result.final()["t"][:2] == ("FAILED", 127)
    errors = [e.line for e in result.events if isinstance(e, TaskLog) and e.task == "t"]
    assert errors == ["exec: no-such-program: not found"]


def test_safe_rmtree_and_gc_only_delete_their_own_temp_dirs(tmp_path: Path) -> None:
    import tempfile

    from simulator.backends.docker.data import safe_rmtree
    from simulator.backends.docker.gc import remove_control_dir

    keep = tmp_path / "keep"
    keep.mkdir()
    (keep / "file").write_text("precious")
    tmp = Path(tempfile.gettempdir()).resolve()
    link = Path(tempfile.mkdtemp(prefix="osmo-tui-test-", dir=tmp))
    link.rmdir()
    link.symlink_to(keep)
    try:
        remove_control_dir(str(link))  # a label naming a symlink: its target stays
        with pytest.raises(ValueError, match="symbolic link"):
            safe_rmtree(link, tmp)
        remove_control_dir(str(keep))  # not a direct child of the temp dir
        remove_control_dir("relative/osmo-tui-x")
        with pytest.raises(ValueError, match="not an absolute path"):
            safe_rmtree(Path(), tmp)  # the bug that once deleted the working tree
        with pytest.raises(ValueError, match="not inside"):
            safe_rmtree(tmp, tmp)
        assert (keep / "file").read_text() == "precious"
    finally:
        link.unlink()
    real = Path(tempfile.mkdtemp(prefix="osmo-tui-test-", dir=tmp))
    (real / "release").write_text("")
    remove_control_dir(str(real))
    assert not real.exists()


def test_lead_reschedule_restarts_its_siblings_in_place(run_workflow: Any) -> None:
    from simulator.pool.config import load_pool

    result = run_workflow(
        """
workflow:
  name: restart
  groups:
  - name: g
    tasks:
    - name: lead
      lead: true
      image: ubuntu:24.04
      command: [sh, -c, 'sleep 2; exit 16']
      exitActions: {RESCHEDULE: '16'}
    - name: side
      image: ubuntu:24.04
      command: [sh, -c, 'echo side start; sleep 60']
""",
        pool=load_pool(None, overrides={"max_retry_per_task": 1}),
    )
    assert result.status == "FAILED"
    # OSMO restarts the others of the group when the lead is rescheduled (SPEC §5.7): the
    # side's command is killed, waits at the barrier for the lead's new attempt, runs again.
    assert result.logs("side") == ["side start", "side start"]
    ends = [
        (e.task, e.retry, e.status.value)
        for e in result.events
        if e.kind == "task_status" and e.status.finished
    ]
    assert ends[:1] == [("lead", 0, "RESCHEDULED")]
    assert ("lead", 1, "FAILED") in ends
    assert ("side", 0, "FAILED") in ends  # stopped when the lead failed


@pytest.mark.parametrize("after", [0.05, 0.4, 0.8])
def test_forced_cancel_while_containers_are_being_created(run_workflow: Any, after: float) -> None:
    # `--force`: OSMO would otherwise hold the cancel of a PROCESSING group for a minute (§5.10).
    tasks = "".join(
        f"    - name: t{i}\n      image: ubuntu:24.04\n      command: [sleep, '60']\n"
        for i in range(4)
    )
    text = f"workflow:\n  name: early\n  groups:\n  - name: g\n    tasks:\n{tasks}"
    text = text.replace("- name: t0\n", "- name: t0\n      lead: true\n")
    started = time.monotonic()
    result = run_workflow(text, cancel_after=after, force=True)
    assert result.status == "FAILED_CANCELED"
    assert {s for s, _, _ in result.final().values()} == {"FAILED_CANCELED"}
    assert time.monotonic() - started < 30
