"""`--pool-config` with OSMO's own configuration (Helm chart values), `--pool`, pod templates."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from simulator.errors import UsageError
from simulator.pool import resolve
from simulator.pool.config import load_pool
from tests.pool.helpers import one_pool_error
from tests.spec.helpers import errors, load, task, wf

VALUES = Path(__file__).parent / "data" / "osmo-values.yaml"
"""Chart values in the shape of deployments/charts/osmo/values.yaml, two pools."""


def test_default_pool_of_chart_values() -> None:
    pool = load_pool(VALUES)
    assert pool.name == "default" and pool.pools == ["default", "gpu-pool"]
    assert pool.default_platform == "cpu" and list(pool.platforms) == ["cpu"]
    assert pool.platforms["cpu"].cpu == load_pool().platforms["host"].cpu  # unknown: host's shape
    assert pool.max_num_tasks == 100 and pool.max_exec_timeout == "30d"
    assert [r.assert_message for r in resolve.rules(pool, "cpu")] == [
        "Value {{USER_CPU}} too high for CPU"
    ]


def test_pool_flag_picks_a_pool_and_its_platform_settings() -> None:
    pool = load_pool(VALUES, pool_name="gpu-pool")
    assert pool.name == "gpu-pool" and pool.platforms["dgx-h100"].gpus == 8
    assert resolve.default_variables(pool, "dgx-h100")["MIN_MEMORY"] == "8Gi"
    assert len(resolve.rules(pool, "dgx-h100")) == 2
    assert pool.platforms["dgx-h100"].default_mounts == ["/scratch"]
    with pytest.raises(UsageError, match=r"Pool nope not found\. Pools in .*: default, gpu-pool"):
        load_pool(VALUES, pool_name="nope")


def test_configuration_block_alone_and_configmap_spelling(tmp_path: Path) -> None:
    block = yaml.safe_load(VALUES.read_text())["configuration"]
    block["pod_templates"] = block.pop("podTemplates")
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(block))
    pool = load_pool(path, pool_name="gpu-pool")
    assert set(pool.pod_templates) == {"default_user", "gpu_nodes"}


def test_workflow_refused_with_osmos_words_on_the_users_pool(tmp_path: Path) -> None:
    small = wf(task(), head="  resources:\n    default: {memory: 4Gi}\n")
    assert errors(tmp_path, small, pool_config=VALUES, submission=_submit("gpu-pool")) == [
        "Resource validation failed for task: t1\n"
        "Assertion failed for task t1: Tasks on this platform need at least 8Gi of memory"
    ]
    assert load(tmp_path, small, pool_config=VALUES).pool.name == "default"


def _submit(pool: str) -> object:
    from simulator.spec.submission import Submission

    return Submission(pool=pool)


def test_pod_template_rendered_for_a_task() -> None:
    pool = load_pool(VALUES, pool_name="gpu-pool")
    rendered = resolve.task_template(pool, "dgx-h100", {"cpu": 2, "memory": "16Gi"}, "train")
    spec = rendered["spec"]
    assert spec["nodeSelector"] == {"nvidia.com/gpu.product": "H100"}
    assert spec["containers"] == [
        {
            "name": "train",
            "resources": {"limits": {"cpu": "2.0", "memory": "16Gi"}},
            "volumeMounts": [{"name": "scratch", "mountPath": "/scratch"}],
        }
    ]
    assert spec["volumes"] == [{"name": "scratch", "hostPath": {"path": "/mnt/scratch"}}]


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("configuration:\n  pools: {}\n  poolz: {}\n", (3, 3), "Unknown key 'poolz'"),
        ("pools:\n  a: {platforms: [x]}\n", (2, 18), "platforms: must be a dict"),
        ("pools: [a]\n", (1, 8), "pools: must be a non-empty dict"),
        ("configuration: 3\n", (1, 16), "configuration: must be a mapping"),
        ("pools:\n  a: {common_pod_template: [nope]}\n", (2, 29), "Pod template nope does"),
    ],
)
def test_not_osmos_shape_is_one_located_error(
    tmp_path: Path, text: str, where: tuple[int, int], message: str
) -> None:
    one_pool_error(tmp_path, text, where, message, "osmo.yaml")


def test_cli_pool_flag_and_render_pods(tmp_path: Path) -> None:
    workflow = tmp_path / "wf.yaml"
    workflow.write_text(wf(task(), head="  resources:\n    default: {memory: 16Gi, cpu: 2}\n"))
    program = "import sys; from osmo_tui.cli.main import main; sys.exit(main())"
    cli = [sys.executable, "-c", program, "render", str(workflow), "--pool-config", str(VALUES)]
    done = subprocess.run([*cli, "-p", "gpu-pool", "--pods"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    (pod,) = yaml.safe_load_all(done.stdout)
    assert pod["spec"]["nodeSelector"]["nvidia.com/gpu.product"] == "H100"
    assert {"name": "scratch", "mountPath": "/scratch"} in pod["spec"]["containers"][0][
        "volumeMounts"
    ]
    bad = subprocess.run([*cli, "--pool", "nope", "--pods"], capture_output=True, text=True)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1
    assert "Pool nope not found" in bad.stderr


def test_a_pod_template_that_cannot_render_fails_before_any_pod(tmp_path: Path) -> None:
    from simulator.backends.kubernetes.preview import preview_pods
    from simulator.engine.from_spec import plan_from_spec
    from simulator.errors import BackendError

    pool = tmp_path / "pool.yaml"
    pool.write_text(
        "pod_templates:\n  bad: {metadata: {labels: {x: \"{{ USER_CPU + 'x' }}\"}}}\n"
        "common_pod_template: [bad]\n"
    )
    loaded = load(tmp_path, wf(task()), pool_config=pool)
    with pytest.raises(BackendError, match="Pod template of task t1: Jinja substitution failure"):
        preview_pods(plan_from_spec(loaded), loaded.pool)


CHART = Path(__file__).parent / "data" / "chart-configuration.yaml"
"""OSMO's Helm chart `configuration:` block, verbatim."""


def test_the_charts_own_configuration(tmp_path: Path) -> None:
    pool = load_pool(CHART)
    assert pool.name == "default" and list(pool.platforms) == ["default"]
    assert pool.max_num_tasks == 100 and pool.default_exec_timeout == "7d"
    assert [len(resolve.rules(pool, "default"))] == [8]
    # 300 CPUs fit no node of this host: the chart's rule, OSMO's words
    big = wf(task(), head="  resources:\n    default: {cpu: 300}\n")
    (message,) = errors(tmp_path, big, pool_config=CHART)
    assert message.startswith("Resource validation failed for task: t1\nnode ")
    assert "['default/default']" in message and "Value 300.0 too high for CPU" in message
    # default_user merges into the task's container; default_ctrl's osmo-ctrl is dropped
    rendered = resolve.task_template(pool, "default", {"cpu": 2}, "t1")
    assert [c["name"] for c in rendered["spec"]["containers"]] == ["osmo-ctrl", "t1"]
    loaded = load(tmp_path, wf(task()), pool_config=CHART)
    from simulator.backends.kubernetes.preview import preview_pods
    from simulator.engine.from_spec import plan_from_spec

    (pod,) = preview_pods(plan_from_spec(loaded), loaded.pool)
    (container,) = pod["spec"]["containers"]
    assert container["name"] == "t1"
    assert container["resources"]["limits"] == {
        "cpu": "1",
        "memory": "1Gi",
        "nvidia.com/gpu": "0",
        "ephemeral-storage": "1Gi",
    }
