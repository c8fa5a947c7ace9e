"""The pod, Service, ConfigMap and Secret manifests of a run (pure: no cluster needed)."""

from __future__ import annotations

import base64
from typing import Any

from simulator.backends.kubernetes import names, objects, pods
from simulator.backends.kubernetes.inventory import placements
from simulator.pool.config import PlatformConfig, PoolConfig
from tests.kubernetes.helpers import plan, task

POOL = PoolConfig(platforms={"jetson": PlatformConfig(arch="arm64"), "dgx": PlatformConfig(gpus=8)})


def _ctx(**kw: Any) -> objects.Context:
    places, _ = placements(POOL, {"jetson", "dgx"})
    args: dict[str, Any] = dict(
        run="wf-1-abc123", namespace="ns1", workflow_id="wf-1", owner="h:1:2", placements=places
    )
    args.update(kw)
    return objects.Context(**args)


def _pod(p: Any, name: str, retry: int = 0, **kw: Any) -> dict[str, Any]:
    ctx = kw.pop("ctx", _ctx())
    group = p.groups[p.tasks[name].group]
    spec = objects.substitute_hosts(ctx, group, objects.spec_dict(p.tasks[name].spec))
    return pods.task_pod(ctx, group, p.tasks[name], retry, spec, **kw)


def test_pod_runs_the_command_once_with_labels_and_requests_equal_limits() -> None:
    p = plan(
        (
            "g",
            [
                task(
                    "train",
                    "g",
                    lead=True,
                    cpu=4,
                    memory=2**30,
                    gpu=2,
                    platform="dgx",
                    environment={"A": "1"},
                )
            ],
        )
    )
    pod = _pod(p, "train", retry=1)
    spec, c = pod["spec"], pod["spec"]["containers"][0]
    assert spec["restartPolicy"] == "Never"
    assert c["command"] == ["sh", "-c", "exit 0"] and c["args"] == []
    assert (
        c["resources"]["requests"]
        == c["resources"]["limits"]
        == {"cpu": "4", "memory": str(2**30), "nvidia.com/gpu": "2"}
    )
    labels = pod["metadata"]["labels"]
    assert labels[names.RUN] == "wf-1-abc123" and labels[names.TASK] == "train"
    assert (
        labels[names.GROUP] == "g" and labels[names.RETRY] == "1" and labels[names.LEAD] == "true"
    )
    assert spec["nodeSelector"] == {"kubernetes.io/arch": "amd64"}
    gpu_toleration = {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}
    assert gpu_toleration in spec["tolerations"]
    assert {"name": "A", "value": "1"} in c["env"]
    assert not any(e["name"] == "NVIDIA_VISIBLE_DEVICES" for e in c["env"])
    assert "subdomain" not in spec  # single-task group: no Service (OSMO: >1 task only)


def test_platform_arch_excluded_nodes_and_no_gpu_env() -> None:
    p = plan(("g", [task("t", "g", lead=True, platform="jetson", nodesExcluded=["n1", "n2"])]))
    spec = _pod(p, "t")["spec"]
    assert spec["nodeSelector"] == {"kubernetes.io/arch": "arm64"}
    term = spec["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    assert term["nodeSelectorTerms"][0]["matchExpressions"] == [
        {"key": "kubernetes.io/hostname", "operator": "NotIn", "values": ["n1", "n2"]}
    ]
    assert {"name": "NVIDIA_VISIBLE_DEVICES", "value": ""} in spec["containers"][0]["env"]
    assert "tolerations" not in spec


def test_unknown_platform_is_warned_not_guessed() -> None:
    places, warnings = placements(POOL, {"mystery"})
    assert places == {} and "mystery" in warnings[0]


def test_group_gets_headless_service_hosts_and_barrier_wrapper() -> None:
    p = plan(
        (
            "g",
            [
                task("server", "g", lead=True, script="serve"),
                task("client", "g", script="curl http://{{host:server}}:80"),
            ],
        )
    )
    ctx = _ctx()
    svc = objects.group_service(ctx, p.groups["g"])
    assert svc is not None
    assert svc["spec"]["clusterIP"] == "None" and svc["spec"]["publishNotReadyAddresses"]
    pod = _pod(p, "client", ctx=ctx)
    spec = pod["spec"]
    assert spec["hostname"] == "client" and spec["subdomain"] == svc["metadata"]["name"]
    assert svc["spec"]["selector"] == {names.RUN: ctx.run, names.GROUP: "g"}
    c = spec["containers"][0]
    # the barrier: a wrapper waits for the released annotation, then execs the command
    assert c["command"][:2] == ["/bin/sh", "-c"] and c["command"][3:5] == ["osmo-barrier", "sh"]
    fqdn = f"server.{svc['metadata']['name']}.ns1.svc.cluster.local"
    assert c["command"][-1] == f"curl http://{fqdn}:80"
    assert pod["metadata"]["annotations"][names.RELEASED] == "false"
    assert any(v["name"] == "podinfo" for v in spec["volumes"])


def test_files_and_credentials() -> None:
    t = task(
        "t",
        "g",
        lead=True,
        files=[
            {"path": "/run/a.sh", "contents": "echo hi"},
            {"path": "/bin.dat", "contents": "AAE=", "base64": True},
        ],
        credentials={"db": {"DB_USER": "user"}, "keys": "/root/.keys"},
    )
    p = plan(("g", [t]))
    ctx = _ctx()
    store = {"db": {"user": "alice"}, "keys": {"id": "secret-value-1"}}
    cm = objects.files_configmap(ctx, t, 0, objects.spec_dict(t.spec))
    assert cm is not None
    assert cm["data"] == {"f0": "echo hi"} and cm["binaryData"] == {"f1": "AAE="}
    secret = objects.creds_secret(ctx, t, 0, objects.spec_dict(t.spec), store)
    assert secret is not None
    assert base64.b64decode(secret["data"]["db.user"]) == b"alice"
    pod = _pod(p, "t", ctx=ctx, store=store)
    c = pod["spec"]["containers"][0]
    mounts = {m["mountPath"]: m for m in c["volumeMounts"]}
    assert mounts["/run/a.sh"]["subPath"] == "f0" and mounts["/bin.dat"]["subPath"] == "f1"
    assert mounts["/root/.keys/id"]["subPath"] == "keys.id"
    env = {e["name"]: e for e in c["env"]}
    assert env["DB_USER"]["valueFrom"]["secretKeyRef"] == {
        "name": secret["metadata"]["name"],
        "key": "db.user",
    }


def test_data_on_a_pvc_per_run_directory() -> None:
    p = plan(
        ("a", [task("make", "a", lead=True)]),
        ("b", [task("use", "b", lead=True, inputs=("make",))]),
        upstream={"b": ("a",)},
    )
    ctx = _ctx(data_pvc="shared")
    container = _pod(p, "use", ctx=ctx)["spec"]["containers"][0]
    mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
    assert mounts["/osmo/data/output"]["subPath"] == "wf-1-abc123/use"
    assert mounts["/osmo/data/input/0"] == {
        "name": "data",
        "mountPath": "/osmo/data/input/0",
        "readOnly": True,
        "subPath": "wf-1-abc123/make",
    }


def test_names_are_dns_safe_and_distinct() -> None:
    assert names.dns_label("Train_Model") != names.dns_label("train-model")
    long = names.pod_name("r", "A" * 80, 3)
    assert long.endswith("-3") and len(long) <= 63
    assert names.label_value("x" * 70) != names.label_value("x" * 71)
    assert len(names.label_value("x" * 70)) <= 63


def test_host_tokens_of_a_loaded_workflow_point_at_the_group_service(tmp_path: Any) -> None:
    from simulator.engine.from_spec import plan_from_spec
    from simulator.spec.loader import load_workflow

    wf = tmp_path / "wf.yaml"
    wf.write_text(
        "workflow:\n  name: hosts\n  groups:\n  - name: g\n    tasks:\n"
        "    - name: server\n      image: busybox\n      lead: true\n      command: [sh, -c, serve]\n"
        "    - name: client\n      image: busybox\n"
        "      command: [sh, -c, 'wget http://{{host:server}}:8000/']\n"
    )
    p = plan_from_spec(load_workflow(wf), workflow_id="hosts-1")
    ctx = _ctx(workflow_id="hosts-1")
    cmd = _pod(p, "client", ctx=ctx)["spec"]["containers"][0]["command"]
    svc = names.group_object(ctx.run, "g")
    assert cmd[-1] == f"wget http://server.{svc}.ns1.svc.cluster.local:8000/"


def test_platform_node_selector_and_tolerations_from_a_pool_file(tmp_path: Any) -> None:
    from simulator.pool.config import load_pool

    pool_file = tmp_path / "pool.yaml"
    pool_file.write_text(
        "platforms:\n  gpu-box:\n    arch: amd64\n    gpus: 4\n"
        "    node_selector: {nvidia.com/gpu.present: 'true'}\n"
        "    tolerations: [{key: dedicated, operator: Equal, value: ml, effect: NoSchedule}]\n"
    )
    places, warnings = placements(load_pool(pool_file), {"gpu-box"})
    assert not warnings
    p = plan(("g", [task("t", "g", lead=True, platform="gpu-box", gpu=1)]))
    spec = _pod(p, "t", ctx=_ctx(placements=places))["spec"]
    assert spec["nodeSelector"] == {"kubernetes.io/arch": "amd64", "nvidia.com/gpu.present": "true"}
    assert spec["tolerations"] == [
        {"key": "dedicated", "operator": "Equal", "value": "ml", "effect": "NoSchedule"},
        {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"},
    ]
