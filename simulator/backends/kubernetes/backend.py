"""`KubernetesBackend`: run a plan's tasks as pods on a cluster, driven by the shared engine."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator.backends.kept import record as kept_record
from simulator.backends.kubernetes import api, names, objects, outcomes, pods, preflight, templates
from simulator.backends.kubernetes.cluster import Connection, Watcher, connect
from simulator.backends.kubernetes.fit import cluster_problems
from simulator.backends.kubernetes.gc import owner_token
from simulator.backends.kubernetes.inventory import Inventory, node_info, placements
from simulator.backends.kubernetes.options import KubeOptions
from simulator.backends.kubernetes.podstatus import Phase
from simulator.backends.kubernetes.rest import ns_path
from simulator.backends.kubernetes.state import Attempt, Reporter
from simulator.backends.kubernetes.watching import WatchHandlers, _int
from simulator.engine.plan import GroupPlan, Plan
from simulator.engine.port import Backend, Capabilities, Emit, ReuseSupport, Target
from simulator.errors import BackendError
from simulator.pool import resolve
from simulator.pool.config import PoolConfig

if TYPE_CHECKING:
    from simulator.backends.scenario import Scenario

NOTES = (
    "data: task inputs/outputs need --kube-data-pvc (a ReadWriteMany PVC on multi-node clusters)",
    "data: url: inputs/outputs and checkpoints are not available on a cluster (warned per task)",
    "logs: streamed from the kubelet; KWOK fake pods have none",
)


class KubernetesBackend(WatchHandlers, Backend):
    """Pods on a Kubernetes cluster; placement by the real kube-scheduler (see docs/kubernetes.md)."""

    capabilities = Capabilities(
        name="kubernetes",
        arches=frozenset({"amd64", "arm64"}),
        gpus=0,
        storage_limits=True,
        notes=NOTES,
    )

    def __init__(
        self,
        options: KubeOptions | None = None,
        *,
        pool: PoolConfig | None = None,
        scenario: Scenario | None = None,
        credentials: dict[str, dict[str, str]] | None = None,
    ) -> None:
        """`scenario` scripts outcomes on nodes that run nothing (KWOK); `credentials` replaces
        the local credential store (tests)."""
        options = options or KubeOptions()
        self.options = options
        self._opts = dict(
            kubeconfig=options.kubeconfig, context=options.context, namespace=options.namespace
        )
        self._data_pvc = options.data_pvc
        self._pool = pool
        self._scenario_arg = scenario
        self._simulate = options.simulate_outcomes
        self._pull = options.image_pull_policy
        self._scheduler = options.scheduler_name
        self._grace = options.grace_seconds
        self.api_grace = options.api_grace
        self._stream_logs = options.stream_logs
        self._domain = options.cluster_domain
        self._creds_arg = credentials
        self._check_rules = options.check_pool_rules
        self._pool_exec = concurrent.futures.ThreadPoolExecutor(16, thread_name_prefix="k8s-api")
        self._attempts: dict[tuple[str, int], Attempt] = {}
        self._by_pod: dict[str, Attempt] = {}
        self._inventory = Inventory()
        self._watchers: list[Watcher] = []
        self._lost: asyncio.TimerHandle | None = None
        self._closed = False
        self._background: set[asyncio.Future[None]] = set()
        self._groups: dict[str, asyncio.Future[None]] = {}
        self._objects: dict[str, list[tuple[str, str]]] = {}
        """Group -> (kind, name) of its Service, PodGroup, ConfigMaps and Secrets."""
        self.conn: Connection | None = None
        self.run_id = ""
        self._run_dir: Path | None = None

    # --- setup ------------------------------------------------------------------------------------

    async def _call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool_exec, lambda: fn(*args, **kwargs))

    async def prepare(self, plan: Plan, run_dir: Path, emit: Emit) -> None:
        self._loop = asyncio.get_running_loop()
        self._t0 = time.monotonic()
        self._run_dir = Path(run_dir)
        self.plan = plan
        self.conn = await self._call(connect, **self._opts)
        self.api = api.Api(self.conn, self._call, self.api_grace)
        self._store = preflight.credentials(plan, self._creds_arg)
        self.rep = Reporter(
            emit, self._now, self._inventory.describe, preflight.masker(self._store)
        )
        await self.api.check_access(self._data_pvc)
        await self._discover_nodes()
        used = {t.resource.platform or "" for t in plan.tasks.values()}
        pool = self._pool or preflight.default_pool()
        places, warnings = placements(pool, used)
        if self._check_rules and self._inventory.visible:  # before run_id: nothing to clean up
            problems = cluster_problems(plan, pool, self._inventory, places)
            if problems:  # refused before the run has an id: close() has nothing to sweep
                raise BackendError("\n".join(problems))
        self.run_id = names.run_id(plan.workflow_id, secrets.token_hex(3))
        self.ctx = objects.Context(
            run=self.run_id,
            namespace=self.conn.namespace,
            workflow_id=plan.workflow_id,
            owner=owner_token(),
            data_pvc=self._data_pvc,
            cluster_domain=self._domain,
            image_pull_policy=self._pull,
            scheduler_name=self._scheduler,
            grace_seconds=self._grace,
            pod_group=await self.api.pod_group_kind(),
            placements=places,
            pod_template=functools.partial(resolve.task_template, pool),
        )
        for task in plan.tasks.values():  # a template that cannot render fails before any pod
            templates.rendered_template(self.ctx, task, objects.spec_dict(task.spec))
        if self._simulate is None:
            # the outcome annotations steer KWOK pods and a real kubelet ignores them, so a
            # cluster with both kinds of nodes (the test cluster's real node) gets them too
            self._simulate = any(n.fake for n in self._inventory.nodes.values())
        self._scenario = outcomes.load(self._scenario_arg) if self._simulate else None
        for message in warnings + preflight.data_warnings(plan, self._data_pvc):
            self.rep.warn(message)
        self._capabilities()
        pod_watch = Watcher(
            "k8s-pods",
            self.api.rest,
            ns_path(self.conn.namespace, "pods"),
            self._post_pods,
            query={"labelSelector": names.run_selector(self.run_id)},
        )
        self._watchers.append(pod_watch)
        pod_watch.start()
        await self._loop.run_in_executor(None, pod_watch.ready.wait, 30)

    async def _discover_nodes(self) -> None:
        nodes = await self.api.list_nodes()
        if nodes is None:
            return
        self._inventory.visible = True
        for node in nodes:
            info = node_info(node)
            self._inventory.nodes[info.name] = info
        node_watch = Watcher("k8s-nodes", self.api.rest, "/api/v1/nodes", self._post_nodes)
        self._watchers.append(node_watch)
        node_watch.start()

    def _capabilities(self) -> None:
        inv = self._inventory
        if inv.visible and inv.nodes:
            where = self.conn.where if self.conn else "?"
            self.capabilities = Capabilities(
                name="kubernetes",
                arches=inv.arches,
                gpus=inv.max_gpus,
                storage_limits=True,
                notes=(
                    *NOTES,
                    f"cluster: {where}, namespace {self.ctx.namespace}, {len(inv.nodes)} nodes",
                ),
            )

    def _now(self) -> float:
        return time.monotonic() - self._t0

    def reuse_support(self, store: Path) -> ReuseSupport | None:
        """Outputs are on the data PVC: without one there is nothing to keep or restore."""
        if not self._data_pvc:
            return None
        from simulator.backends.kubernetes.reuse import KubeReuse

        return KubeReuse(self, self._data_pvc, self.options.reuse_helper_image)

    # --- group and attempt lifecycle --------------------------------------------------------------

    async def start_group(self, group: GroupPlan, retries: dict[str, int]) -> None:
        """Create the group in the background, so groups start concurrently; later calls about
        the group (kill, restart, cleanup) wait for it, so none overtakes the create it follows."""
        self._groups[group.name] = self._track(self._create_group(group, retries))

    def _track(self, coro: Any) -> asyncio.Future[None]:
        task: asyncio.Future[None] = asyncio.ensure_future(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task

    async def _settled(self, group: str) -> None:
        task = self._groups.get(group)
        if task is not None:
            with contextlib.suppress(Exception):
                await asyncio.shield(task)

    async def _create_group(self, group: GroupPlan, retries: dict[str, int]) -> None:
        """Group objects first (Service, PodGroup, files, credentials), then every pod at once."""
        extra = [objects.group_service(self.ctx, group), objects.pod_group(self.ctx, group)]
        for name in group.tasks:
            task, spec = self.plan.tasks[name], self._spec(group, name)
            extra.append(objects.files_configmap(self.ctx, task, retries.get(name, 0), spec))
            extra.append(
                objects.creds_secret(self.ctx, task, retries.get(name, 0), spec, self._store)
            )
        made = [m for m in extra if m is not None]
        self._objects[group.name] = [(m["kind"], m["metadata"]["name"]) for m in made]
        try:
            await asyncio.gather(*(self.api.create(m) for m in made))
        except BackendError as err:
            for name in group.tasks:
                att = self._register(group, name, retries.get(name, 0), 0)
                self.rep.backend_error(att, str(err))
            return
        await asyncio.gather(*(self._create_pod(group, n, retries.get(n, 0)) for n in group.tasks))

    def _spec(self, group: GroupPlan, task: str) -> dict[str, Any]:
        return objects.substitute_hosts(
            self.ctx, group, objects.spec_dict(self.plan.tasks[task].spec)
        )

    def _register(self, group: GroupPlan, task: str, retry: int, generation: int) -> Attempt:
        pod = names.pod_name(self.run_id, task, retry, generation)
        old = self._attempts.get((task, retry))
        att = Attempt(task, group.name, retry, pod, generation)
        if old is not None:
            att.phase = min(old.phase, Phase.INITIALIZING)  # a restart reports Ready again
            self._by_pod.pop(old.pod, None)
        self._attempts[(task, retry)] = att
        self._by_pod[pod] = att
        return att

    async def _create_pod(
        self, group: GroupPlan, task: str, retry: int, generation: int = 0
    ) -> None:
        att = self._register(group, task, retry, generation)
        plan = self.plan.tasks[task]
        notes = {}
        if self._scenario is not None:
            notes = outcomes.pod_annotations(self._scenario, task, retry, plan.spec)
        manifest = pods.task_pod(
            self.ctx,
            group,
            plan,
            retry,
            self._spec(group, task),
            generation=generation,
            annotations=notes,
            store=self._store,
        )
        try:
            created = await self.api.create(manifest)
        except BackendError as err:
            self.rep.backend_error(att, str(err))
            return
        att.created_rv = _int(created.get("metadata", {}).get("resourceVersion"))
        if att.live:
            self.rep.scheduling(att)

    async def start_attempt(self, task: str, retry: int) -> None:
        group = self.plan.groups[self.plan.tasks[task].group]
        await self._settled(group.name)
        previous = self._attempts.get((task, retry - 1))
        if previous is not None and previous.pod:
            previous.deleting = True
            await self.api.delete_pod(previous.pod, 0)
        await self._create_pod(group, task, retry)

    async def release(self, task: str, retry: int) -> None:
        att = self._attempts.get((task, retry))
        if att is None or not att.live:
            return
        att.released = True
        if self.plan.groups[att.group].barrier:
            await self.api.patch_annotations(att.pod, {names.RELEASED: "true"})
        self.rep.running(att)

    async def kill(self, task: str, retry: int, reason: str) -> None:
        await self._settled(self.plan.tasks[task].group)
        att = self._attempts.get((task, retry))
        if att is None:
            return
        att.deleting = True
        await self.api.delete_pod(att.pod, self._grace)

    async def restart(self, task: str, retry: int) -> None:
        """Pods cannot restart a container in place: replace the pod, keep name and hostname."""
        await self._settled(self.plan.tasks[task].group)
        att = self._attempts.get((task, retry))
        if att is None or not att.live:
            return
        att.deleting = True
        await self.api.delete_pod(att.pod, 0)
        group = self.plan.groups[att.group]
        await self._create_pod(group, task, retry, att.generation + 1)

    async def cleanup_group(self, group: str) -> None:
        """Delete the group's pods and objects by name, in the background (close() waits)."""
        for att in self._attempts.values():
            if att.group == group:
                att.deleting = True
        self._track(self._delete_group(group))

    async def _delete_group(self, group: str) -> None:
        await self._settled(group)
        pods = [a.pod for a in self._attempts.values() if a.group == group and not a.kept]
        calls = [self.api.delete_pod(pod, self._grace) for pod in pods]
        calls += [self.api.delete(kind, name) for kind, name in self._objects.pop(group, [])]
        for result in await asyncio.gather(*calls, return_exceptions=True):
            if isinstance(result, BaseException):
                self.rep.warn(f"cleanup of group {group}: {result}")

    def locate(self, task: str, retry: int) -> Target | None:
        att = self._attempts.get((task, retry))
        if att is None or self.conn is None or not (att.kept or att.live):
            return None
        running = att.released and att.phase is Phase.RUNNING
        return Target(
            "kubernetes",
            att.pod,
            running,
            att.kept,
            container=names.dns_label(task),
            namespace=self.conn.namespace,
            kubeconfig=self.options.kubeconfig or "",
            context=self.options.context or "",
        )

    def _keep_failed(self, att: Attempt) -> None:
        """--keep-failed: the failed pod leaves the run's labels (its cleanup and gc's sweep of
        the run) and is labelled kept; `osmo-tui gc` deletes it."""
        if not self.options.keep_failed or att.deleting or att.kept:
            return
        att.kept = True
        labels = {names.MANAGED_BY: None, names.RUN: None, names.KEPT: self.run_id}
        self._track(self.api.patch_labels(att.pod, labels))
        target = self.locate(att.task, att.retry)
        if self._run_dir is not None and target is not None:
            with contextlib.suppress(OSError):
                kept_record(self._run_dir, att.task, att.retry, target)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for watcher in self._watchers:
            watcher.stop()
        for att in self._attempts.values():
            att.deleting = True
        try:
            if self._background:  # creations and cleanups in flight land before the sweep
                await asyncio.wait(list(self._background), timeout=self.api_grace)
            if self.run_id and self.conn is not None:
                await self.api.delete_all(names.run_selector(self.run_id), self.ctx.pod_group)
        finally:
            self._pool_exec.shutdown(wait=False, cancel_futures=True)
