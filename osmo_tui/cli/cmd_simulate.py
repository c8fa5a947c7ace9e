"""`osmo-tui simulate FILE`: run a workflow in the deterministic simulator (virtual time) and report.

Also the headless path of `osmo-tui run --headless` for every backend. Exit 0 iff the workflow is
COMPLETED, 1 if it ended failed, 2 if the spec, scenario or command line is invalid.
"""

from __future__ import annotations

import argparse
import json
import sys
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
    reuse = parser.add_mutually_exclusive_group()
    reuse.add_argument(
        "--reuse",
        action="store_true",
        help="docker/kubernetes: restore groups that completed in an earlier run with the same "
        "inputs instead of running them (default in the app and with --watch; docs/reuse.md)",
    )
    reuse.add_argument(
        "--no-reuse", action="store_true", help="run every group, keep nothing for later runs"
    )
    if not any("--backend" in a.option_strings for a in parser._actions):
        parser.add_argument(
            "--backend",
            default="sim",
            choices=("sim", "docker", "kubernetes"),
            help="where tasks run (default: the simulator)",
        )
    parser.add_argument(
        "--keep-failed",
        action="store_true",
        help="keep a failed task's container (Docker) or pod (Kubernetes) for `workflow exec`; "
        "`osmo-tui gc` removes them",
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


def run_headless(args: argparse.Namespace, request: Any = None) -> int:
    """Run FILE without the app on the chosen backend; print the timeline or the JSON report.

    `request`: the run already built from `args` (by `run`), so the flags are read once."""
    if request is None:
        from osmo_tui.cli.request import run_request

        request = run_request(args)
    try:
        return _once(args, request)
    except BrokenPipeError:  # `osmo-tui simulate ... | head`: the reader left, nothing to say
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def _once(args: argparse.Namespace, request: Any) -> int:
    from simulator.run import PrepareError, prepare

    try:
        prepared = prepare(request)
    except PrepareError as exc:
        print_errors(exc)
        return 2
    return execute(args, prepared)


def print_errors(exc: Any) -> None:
    for line in exc.lines():
        print(f"osmo-tui: {line}", file=sys.stderr)


def execute(args: argparse.Namespace, prepared: Any) -> int:
    """Run a prepared workflow to its end, printing as it goes; 0 iff it ended COMPLETED."""
    import asyncio

    from simulator.engine.report import build_report
    from simulator.run import start

    for warning in prepared.warnings:
        where = f"{warning.location}: " if getattr(warning, "location", None) else ""
        print(f"osmo-tui: warning: {where}{warning.message}", file=sys.stderr)
    output = _Output(args, prepared.plan)
    if getattr(args, "explain", False):
        from simulator.run.explain import explain

        stream = sys.stderr if output.json else sys.stdout
        for line in explain(prepared):
            print(f"explain: {line}", file=stream)
    execution = start(prepared)
    try:
        report = asyncio.run(execution.run_to_end(output.events))
    except KeyboardInterrupt:
        # The live run canceled the workflow and closed its backend; report what happened.
        print("osmo-tui: interrupted: workflow canceled, backend cleaned up", file=sys.stderr)
        report = execution.finish() or build_report(execution.snapshot)
    finally:
        output.close()
    output.finish(report)
    if execution.run_dir is not None:
        print(f"osmo-tui: run recorded in {execution.run_dir}", file=sys.stderr)
    return 0 if report["workflow"]["status"] == "COMPLETED" else 1


class _Output:
    """Where events and the final report go: timeline on stdout, --events file, exports.

    Every output path is checked before the run starts: a run must not be lost to a typo in
    `--junit` discovered after it ended."""

    def __init__(self, args: argparse.Namespace, plan: Any) -> None:
        from simulator.run.outputs import check_output_path

        self.args = args
        self.plan = plan
        self.json = bool(getattr(args, "json", False))
        self._events_file: IO[str] | None = None
        for flag in ("junit", "graph_out"):
            check_output_path(getattr(args, flag, None), "--" + flag.replace("_", "-"))
        path = getattr(args, "events", None)
        if path:
            check_output_path(path, "--events")
            self._events_file = open(path, "w", encoding="utf-8")  # noqa: SIM115

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
        from simulator.run.outputs import write_output
        from simulator.runs import export

        if self.json:
            print(json.dumps(report, indent=2))
        else:
            print()
            sys.stdout.write(export.summary_table(report))
        junit = getattr(self.args, "junit", None)
        if junit:
            write_output(junit, export.to_junit(report), "--junit")
        graph = getattr(self.args, "graph_out", None)
        if graph:
            dot = str(graph).endswith((".dot", ".gv"))
            text = export.to_dot(self.plan, report) if dot else export.to_mermaid(self.plan, report)
            write_output(graph, text, "--graph-out")


def _interesting(event: Any) -> bool:
    """The timeline shows starts, ends, retries, logs and warnings (not every queue step)."""
    kind = event.kind
    if kind in ("workflow_status", "task_log", "warning", "task_reused"):
        return True
    status = str(getattr(event, "status", ""))
    if kind == "group_status":
        return status in ("PROCESSING", "RUNNING") or status.startswith(("COMPLETED", "FAILED"))
    if kind == "task_status":
        return status in ("RUNNING", "COMPLETED", "RESCHEDULED") or status.startswith("FAILED")
    return False
