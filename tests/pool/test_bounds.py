"""Issue 12 for the pool config: every number finite and sane, the field named in the error."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.errors import SpecErrors
from simulator.pool.config import load_pool
from tests.pool.helpers import one_pool_error

VALUES = Path(__file__).parent / "data" / "osmo-values.yaml"


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("platforms: {host: {nodes: 1000000000}}\n", (1, 27), "platforms.host.nodes: Input should be less than or equal to 100000"),
        ("max_retry_per_task: 1000000000\n", (1, 21), "max_retry_per_task: Input should be less than or equal to 1000"),
        ("platforms: {t4: {gpus: -1}}\n", (1, 24), "platforms.t4.gpus: Input should be greater than or equal to 0"),
        ("max_num_tasks: -3\n", (1, 16), "max_num_tasks: Input should be greater than or equal to 1"),
        ("max_exec_timeout: 5\n", (1, 19), "max_exec_timeout: a duration needs a unit (e.g. 30m, 2h, 7d), not the bare number 5"),
        ("default_queue_timeout: 9999d\n", (1, 24), "default_queue_timeout: 9999d is longer than ten years"),
        ("max_render_time: .nan\n", (1, 18), "max_render_time: Input should be a finite number"),
        ("max_render_time: .inf\n", (1, 18), "max_render_time: Input should be a finite number"),
        ("platforms: {t4: {storage: 99999999999Ti}}\n", (1, 27), "storage: 99999999999Ti is more than one exbibyte"),
        ("platforms: {t4: {cpu: 1.5}}\n", (1, 23), "platforms.t4.cpu: Input should be a valid integer"),
    ],
)  # fmt: skip
def test_absurd_numbers_are_one_located_error(
    tmp_path: Path, text: str, where: tuple[int, int], message: str
) -> None:
    one_pool_error(tmp_path, text, where, message)


def test_osmo_configuration_numbers_are_located_in_its_layout(tmp_path: Path) -> None:
    text = VALUES.read_text().replace("max_num_tasks: 100", "max_num_tasks: 1000000000")
    path = tmp_path / "values.yaml"
    path.write_text(text)
    with pytest.raises(SpecErrors) as info:
        load_pool(path)
    (error,) = info.value.errors
    assert error.location is not None and (error.location.line, error.location.column) == (5, 20)
    assert error.message == "max_num_tasks: Input should be less than or equal to 1000000"


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("default_exit_actions: {RESCHEDULE: -5Gi}\n", (1, 23), "Invalid exit codes -5Gi"),
        ("default_exit_actions: {RETRY: '1'}\n", (1, 23), "unknown exit action 'RETRY'"),
    ],
)  # found by the long fuzz run: planning raised ValueError (exit 70) on these
def test_default_exit_actions_are_checked_with_the_pool(
    tmp_path: Path, text: str, where: tuple[int, int], message: str
) -> None:
    one_pool_error(tmp_path, text, where, message)
