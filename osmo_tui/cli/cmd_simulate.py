"""`osmo-tui simulate FILE`: run a workflow in the deterministic simulator (virtual time) and report.

Also the headless path of `osmo-tui run --headless` for every backend. Exit 0 iff the workflow is
COMPLETED, 1 if it ended failed, 2 if the spec, scenario or command line is invalid.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import IO, Any


def _add_spec_options(parser: argparse.ArgumentParser) -> None:
    """`--set`, `--set-string`, `--pool-config` exactly as `validate` defines them."""
    from osmo_tui.cli.cmd_validate import add_spec_options

    add_spec_options(parser)


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """FILE, --set/--set-string/--pool-config, the scenario, outputs and the backend."""
    parser.add_argument("file", metavar="FILE", help="workflow YAML")
    _add_spec_options(parser)
    parser.add_argument("--scenario", metavar="S", help="scenario YAML scripting the simulated run")
    parser.add_argument("--seed", type=int, default=None, metavar="N", help="simulator seed")
    parser.add_argument("--json", action="store_true", help="print one JSON document on stdout")
    parser.add_argument("--events", metavar="F", help="write the event stream as JSON lines to F")
    parser.add_argument("--junit", metavar="F", help="write JUnit XML (one testcase per task)")
    parser.add_argument(
        "--graph-out", metavar="F", help="write the group graph with final statuses (.mmd or .dot)"
    )
    parser.add_argument(
        "--explain",
        action="store_true",
        help="say where each task's simulated duration and exit code come from",
    )
    parser.add_argument("--workflow-id", default=None, help="workflow id (default <name>-1)")
    parser.add_argument(
        "--no-record", action="store_true", help="do not record the run in the run store"
    )
    if not any("--backend" in a.option_strings for a in parser._actions):
        parser.add_argument(
            "--backend",
            default="sim",
            choices=("sim", "docker", "kubernetes"),
            help="where tasks run (default: the simulator)",
        )
    from simulator.backends.docker.cli import add_docker_options
    from simulator.backends.kubernetes.cli import add_kube_options

    add_docker_options(parser)
    add_kube_options(parser)


SCENARIO_HELP = """\
Without a scenario each task runs for the sum of the literal `sleep N` in its command, args and
files (else 1 s) and exits with the code of a literal `exit N` ending its script (else 0);
--explain shows where each value comes from. A scenario (YAML) scripts anything else:

  seed: 7                              # seeds `jitter` (same seed, same output)
  jitter: 0.1                          # randomise durations by up to 10%
  pool: {max_retry_per_task: 3}        # any pool-config key, over --pool-config
  default: {duration: 1, exit_code: 0, queue: 0, init: 0}
  tasks:
    train:
      duration: 120                    # virtual seconds of the command (.inf: until killed)
      exit_code: 0
      queue: 30                        # seconds in SCHEDULING before it is placed
      init: 5                          # seconds INITIALIZING (image pull, inputs)
      attempts:                        # per retry, in order; the last one repeats
        - {exit_code: 16, duration: 40}
        - {exit_code: 0, duration: 80}
      status: FAILED_PREEMPTED         # a backend-reported failure instead of an exit
      logs: ["epoch 1", "epoch 2"]     # printed evenly over the duration
  events:
    - {at: 50, cancel: workflow}       # or a group or task name; message: ..., force: true
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "simulate",
        help="simulate a workflow in virtual time",
        description="Simulate a workflow as OSMO would run it, deterministically and in virtual "
        "time. Exit 0 when COMPLETED, 1 when failed, 2 on invalid spec or usage.",
        epilog=SCENARIO_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_run_options(parser)
    parser.set_defaults(func=run_headless)


class _Invalid(Exception):
    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


def _load(args: argparse.Namespace) -> tuple[Any, Any, Any]:
    """(loaded workflow, plan, scenario); invalid input raises an exit-2 error.

    The cyclic GC is paused while loading: a big workflow allocates hundreds of thousands of
    long-lived objects and each collection would rescan them all (2x faster at 20,000 tasks).
    """
    from simulator.engine.gcpause import gc_paused

    with gc_paused():
        return _load_unpaused(args)


def _load_unpaused(args: argparse.Namespace) -> tuple[Any, Any, Any]:
    from osmo_tui.cli.cmd_validate import load_options
    from simulator.backends.scenario import Scenario, load_scenario
    from simulator.engine.from_spec import plan_from_spec
    from simulator.errors import SpecError, SpecErrors, UsageError
    from simulator.spec.loader import load_workflow

    if not Path(args.file).is_file():
        raise UsageError(f"no such workflow file: {args.file}")
    scenario_path = getattr(args, "scenario", None)
    scenario = load_scenario(scenario_path) if scenario_path else Scenario()
    try:
        options = load_options(args)
        # the pool config with the scenario's pool keys over it, instead of the bare config
        options["pool"] = _pool(options.pop("pool_config"), scenario, options["submission"].pool)
        loaded = load_workflow(args.file, **options)
    except SpecErrors as exc:
        raise _Invalid([e.render() for e in exc.errors]) from None
    except SpecError as exc:
        raise _Invalid([exc.render()]) from None
    plan = plan_from_spec(loaded, workflow_id=getattr(args, "workflow_id", None))
    scenario.check_names(plan)
    return loaded, plan, scenario


def _pool(pool_config: Any, scenario: Any, name: str | None = None) -> Any:
    """The pool config with the scenario's `pool:` keys over it; a bad key is the scenario's."""
    from simulator.errors import SpecErrors, UsageError
    from simulator.pool.config import load_pool

    base = load_pool(pool_config, pool_name=name)
    if not scenario.pool:
        return base
    try:
        return load_pool(pool_config, overrides=scenario.pool, pool_name=name)
    except SpecErrors as exc:
        where = scenario.location_of(("pool",))
        raise UsageError(f"{where}: pool: {exc.errors[0].message}") from None


def run_headless(args: argparse.Namespace) -> int:
    """Run FILE without the app on the chosen backend; print the timeline or the JSON report."""
    try:
        return _run_headless(args)
    except BrokenPipeError:  # `osmo-tui simulate ... | head`: the reader left, nothing to say
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def _run_headless(args: argparse.Namespace) -> int:
    try:
        loaded, plan, scenario = _load(args)
    except _Invalid as exc:
        for line in exc.lines:
            print(f"osmo-tui: {line}", file=sys.stderr)
        return 2
    for warning in loaded.warnings:
        where = f"{warning.location}: " if getattr(warning, "location", None) else ""
        print(f"osmo-tui: warning: {where}{warning.message}", file=sys.stderr)
    backend = getattr(args, "backend", "sim") or "sim"
    output = _Output(args, plan)
    if getattr(args, "explain", False):
        from simulator.backends.sim import SimRun

        stream = sys.stderr if output.json else sys.stdout
        for line in SimRun(plan, scenario, seed=getattr(args, "seed", None)).explain():
            print(f"explain: {line}", file=stream)
    recorder = None
    if not getattr(args, "no_record", False):
        from simulator.runs import RunStore

        recorder = RunStore().create(
            plan,
            backend=backend,
            spec=loaded.rendered,
            source=str(Path(args.file).resolve()),
            track=False,
        )
    from simulator.engine.report import build_report

    try:
        snapshot = _execute(args, backend, plan, scenario, loaded, output, recorder)
        report = build_report(snapshot)
        if recorder is not None:
            recorder.finish(report)
    finally:
        output.close()
        if recorder is not None:
            recorder.close()
    output.finish(report)
    if recorder is not None:
        print(f"osmo-tui: run recorded in {recorder.path}", file=sys.stderr)
    return 0 if report["workflow"]["status"] == "COMPLETED" else 1


def _execute(
    args: argparse.Namespace,
    backend: str,
    plan: Any,
    scenario: Any,
    loaded: Any,
    output: _Output,
    recorder: Any,
) -> Any:
    if backend == "sim":
        import gc

        from simulator.backends.sim import SimRun
        from simulator.engine.realtime import current_user

        seed = getattr(args, "seed", None)
        run = SimRun(plan, scenario, seed=seed, pool=loaded.pool, user=current_user())
        # The loaded spec and plan live to the end and the loop allocates millions of short-lived
        # events: without this the cyclic GC rescans all of them again and again (2-3x slower).
        gc.freeze()
        gc.disable()
        folded = run.snapshot
        try:
            while not run.finished:
                events = run.step()
                output.events(events)
                if recorder is not None:
                    recorder.record_many(events)
                folded = run.snapshot  # fold as we go: past steps' events can be freed
        finally:
            gc.enable()
        return folded
    import asyncio

    from simulator.backends import get_backend
    from simulator.engine.realtime import RealtimeRun
    from simulator.engine.snapshot import RunSnapshot, fold

    snapshot = RunSnapshot.from_plan(plan)
    options: dict[str, Any] = {}
    if backend == "kubernetes":
        from simulator.backends.kubernetes.cli import kube_options

        options = kube_options(args, pool=loaded.pool, scenario=scenario)
    elif backend == "docker":
        from simulator.backends.docker.cli import docker_options

        options = docker_options(args, pool=loaded.pool)
    live = RealtimeRun(
        plan, get_backend(backend, **options), run_dir=recorder.path if recorder else None
    )

    def on_event(event: Any) -> None:
        fold(snapshot, event)
        output.events([event])
        if recorder is not None:
            recorder.record(event)

    try:
        asyncio.run(live.run(on_event))
    except KeyboardInterrupt:
        # RealtimeRun canceled the workflow and closed the backend; report what happened.
        print("osmo-tui: interrupted: workflow canceled, backend cleaned up", file=sys.stderr)
    return snapshot


class _Output:
    """Where events and the final report go: timeline on stdout, --events file, exports."""

    def __init__(self, args: argparse.Namespace, plan: Any) -> None:
        self.args = args
        self.plan = plan
        self.json = bool(getattr(args, "json", False))
        self._events_file: IO[str] | None = None
        path = getattr(args, "events", None)
        if path:
            try:
                self._events_file = open(path, "w", encoding="utf-8")  # noqa: SIM115
            except OSError as exc:
                from simulator.errors import UsageError

                raise UsageError(f"cannot write {path}: {exc.strerror}") from exc

    def events(self, events: list[Any]) -> None:
        from simulator.engine.events import event_to_dict

        if self._events_file is not None:
            write = self._events_file.write
            for event in events:
                write(json.dumps(event_to_dict(event), separators=(",", ":")) + "\n")
            self._events_file.flush()
        if not self.json:
            from simulator.runs.export import timeline_line

            lines = [line for e in events if _interesting(e) and (line := timeline_line(e))]
            if lines:
                sys.stdout.write("\n".join(lines) + "\n")

    def close(self) -> None:
        if self._events_file is not None:
            self._events_file.close()
            self._events_file = None

    def finish(self, report: dict[str, Any]) -> None:
        from simulator.runs import export

        if self.json:
            print(json.dumps(report, indent=2))
        else:
            print()
            sys.stdout.write(export.summary_table(report))
        junit = getattr(self.args, "junit", None)
        if junit:
            Path(junit).write_text(export.to_junit(report))
        graph = getattr(self.args, "graph_out", None)
        if graph:
            dot = str(graph).endswith((".dot", ".gv"))
            text = export.to_dot(self.plan, report) if dot else export.to_mermaid(self.plan, report)
            Path(graph).write_text(text)


def _interesting(event: Any) -> bool:
    """The timeline shows starts, ends, retries, logs and warnings (not every queue step)."""
    kind = event.kind
    if kind in ("workflow_status", "task_log", "warning"):
        return True
    status = str(getattr(event, "status", ""))
    if kind == "group_status":
        return status in ("PROCESSING", "RUNNING") or status.startswith(("COMPLETED", "FAILED"))
    if kind == "task_status":
        return status in ("RUNNING", "COMPLETED", "RESCHEDULED") or status.startswith("FAILED")
    return False
