"""`osmo-tui workflow <verb>`: OSMO's `osmo workflow` verbs against local runs (live or recorded).

ID is a workflow id (`<name>-N`) or a run id. A live run answers through its control endpoint;
an ended one from the run store. `docs/workflow-verbs.md` maps each verb to OSMO's.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "workflow",
        help="OSMO's workflow verbs on local runs: submit, list, query, logs, cancel, spec, exec, "
        "port-forward",
        description="`osmo workflow` verbs against the runs of the local run store.",
    )
    sub = parser.add_subparsers(dest="verb", metavar="VERB", required=True)
    from osmo_tui.cli.workflow_submit import register_submit

    register_submit(sub)
    _list_parser(sub)
    query = _verb(sub, "query", "status of a workflow, its groups and tasks", _query)
    _format_type(query)
    query.add_argument(
        "--verbose", "-v", action="store_true", help="also show each task's retry id"
    )
    logs = _verb(sub, "logs", "a task's logs (followed while the run is live)", _logs)
    logs.add_argument("--task", "-t", help="the task (required for a live run)")
    logs.add_argument("--retry-id", "-r", type=_count, help="the attempt (default: the latest)")
    logs.add_argument("--error", action="store_true", help="the task's error (stderr) logs")
    logs.add_argument("-n", dest="last_n_lines", type=_count, help="only the last N lines")
    cancel = sub.add_parser("cancel", help="cancel running workflows (or a group or task)")
    cancel.add_argument("workflow_ids", metavar="ID", nargs="+", help="workflow or run ids")
    cancel.set_defaults(func=_cancel)
    cancel.add_argument("--message", "-m", default="", help="why it is canceled")
    cancel.add_argument(
        "--force", "-f", action="store_true", help="force the kill (as the engine's forced cancel)"
    )
    cancel.add_argument("--task", help="cancel only this task (osmo-tui extension)")
    cancel.add_argument("--group", help="cancel only this group (osmo-tui extension)")
    _format_type(cancel)
    spec = _verb(sub, "spec", "the workflow's rendered spec", _spec)
    spec.add_argument("--template", action="store_true", help="the spec as submitted (Jinja)")
    from osmo_tui.cli.workflow_attach import register as register_attach

    register_attach(sub)


def _count(text: str) -> int:
    """A whole number >= 0 (an argparse type: a bad one is a usage error)."""
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"must be a whole number >= 0, not {text!r}")
    return int(text)


def _verb(sub: Any, name: str, help_text: str, func: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(name, help=help_text)
    parser.add_argument("workflow_id", metavar="ID", help="workflow id (<name>-N) or run id")
    parser.set_defaults(func=func)
    return parser


def _format_type(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format-type", "-t", dest="format_type", choices=("json", "text"), default="text"
    )


LIST_STATUSES = (
    "RUNNING", "PENDING", "WAITING", "COMPLETED", "FAILED", "FAILED_CANCELED",
    "FAILED_EXEC_TIMEOUT", "FAILED_SERVER_ERROR", "FAILED_QUEUE_TIMEOUT", "FAILED_SUBMISSION",
    "FAILED_BACKEND_ERROR", "FAILED_IMAGE_PULL", "FAILED_EVICTED", "FAILED_START_ERROR",
    "FAILED_START_TIMEOUT", "FAILED_PREEMPTED", "FAILED_UPSTREAM", "UNKNOWN", "DAMAGED",
)  # fmt: skip
"""OSMO's `--status` choices, and the local UNKNOWN (its process died) and DAMAGED."""


def _list_parser(sub: Any) -> None:
    parser = sub.add_parser(
        "list", help="list the workflows of the run store (OSMO's filters where they apply)"
    )
    parser.add_argument("--count", "-c", type=_positive, default=20, help="how many (default 20)")
    parser.add_argument(
        "--offset", "-f", type=_count, default=0, help="skip the N newest first (paging)"
    )
    parser.add_argument("--name", "-n", default="", help="workflows whose name contains this")
    parser.add_argument(
        "--order", "-o", choices=("asc", "desc"), default="asc",
        help="asc: the latest at the bottom (default); desc: at the top",
    )  # fmt: skip
    parser.add_argument(
        "--status", "-s", nargs="+", choices=LIST_STATUSES, metavar="STATUS", default=[],
        help=f"only these statuses: {', '.join(LIST_STATUSES)}",
    )  # fmt: skip
    parser.add_argument("--submitted-after", type=_date, help="on or after YYYY-MM-DD")
    parser.add_argument("--submitted-before", type=_date, help="before YYYY-MM-DD")
    parser.add_argument(
        "--backend", choices=("sim", "docker", "kubernetes"), help="only runs on this backend"
    )
    _format_type(parser)
    parser.set_defaults(func=_list)


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) == 0:
        raise argparse.ArgumentTypeError(f"must be a whole number > 0, not {text!r}")
    return int(text)


def _date(text: str) -> float:
    """YYYY-MM-DD as local midnight (a timestamp)."""
    import datetime

    try:
        day = datetime.datetime.strptime(text, "%Y-%m-%d")
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a date YYYY-MM-DD, not {text!r}") from None
    return day.timestamp()


def _list(args: argparse.Namespace) -> int:
    import time

    from simulator.run.workflows import select_runs
    from simulator.runs import RunStore

    chosen = select_runs(
        RunStore().list(),
        statuses=args.status,
        name=args.name,
        after=args.submitted_after,
        before=args.submitted_before,
        backend=args.backend or "",
        offset=args.offset,
        count=args.count,
    )
    if args.order == "asc":
        chosen.reverse()
    if args.format_type == "json":
        workflows = [
            {
                "name": info.workflow_id or info.id,
                "workflow": info.workflow,
                "status": shown,
                "backend": info.backend,
                "submit_time": info.created,
                "run_id": info.id,
            }
            for info, shown in chosen
        ]
        print(json.dumps({"workflows": workflows}, indent=2))
        return 0
    rows = [("Workflow ID", "Status", "Backend", "Submit Time", "Run ID")]
    for info, shown in chosen:
        submitted = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(info.created))
        rows.append((info.workflow_id or "-", shown, info.backend or "-", submitted, info.id))
    _table(rows)
    return 0


def _table(table: Sequence[tuple[str, ...]]) -> None:
    from osmo_tui.cli.cmd_runs import _cell

    rows = [tuple(_cell(c) for c in row) for row in table]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def _query(args: argparse.Namespace) -> int:
    from simulator.run.workflows import find, status

    answer = status(find(args.workflow_id))
    if args.format_type == "json":
        print(json.dumps(answer, indent=2))
        return 0
    print("-" * 68 + "\n")
    print(f"Workflow ID : {answer['workflow_id']}")
    print(f"Status      : {answer['workflow']['status']}")
    print(f"Backend     : {answer['backend']}")
    print(f"Run ID      : {answer['run_id']}\n")
    rows: list[tuple[str, ...]] = [("Task Name", "Start Time", "Status")]
    if args.verbose:  # OSMO's columns: the retry id only when asked
        rows = [("Task Name", "Retry ID", "Start Time", "Status")]
    for name, task in answer["tasks"].items():
        start = "-" if task["start_time"] is None else f"{task['start_time']:.1f}s"
        retry = (str(task["retries"]),) if args.verbose else ()
        rows.append((name, *retry, start, task["status"]))
    _table(rows)
    return 0


def _logs(args: argparse.Namespace) -> int:
    from simulator.errors import UsageError
    from simulator.run import workflows

    if (args.error or args.retry_id is not None) and not args.task:
        raise UsageError("Specify task for retry ID or error logs.")
    info = workflows.find(args.workflow_id)
    kind = "error logs" if args.error else "logs"
    print(f"Workflow {info.workflow_id} has {kind}:", flush=True)
    last = args.last_n_lines
    if args.error:
        lines: Any = workflows.error_logs(info, args.task, last)
    elif args.task:
        lines = workflows.logs(info, args.task, args.retry_id, last)
    else:
        lines = workflows.all_logs(info, last)
    for line in lines:
        print(line, flush=True)
    return 0


def _cancel(args: argparse.Namespace) -> int:
    """Each ID in turn; a failure is OSMO's one line and the next ID is still tried."""
    from simulator.errors import OsmoTuiError
    from simulator.run.workflows import cancel, find

    code, done = 0, []
    scope, name = ("task", args.task) if args.task else ("group", args.group or "")
    for ident in args.workflow_ids:
        try:
            info = find(ident)
            cancel(info, scope if name else "workflow", name, args.message, args.force)
        except OsmoTuiError as exc:
            print(f"Workflow cancelation failed for workflow {ident}: {exc}", file=sys.stderr)
            code = 1
            continue
        done.append(info.workflow_id)
        if args.format_type != "json":
            print(f"Cancel job for workflow {info.workflow_id} is submitted!")
    if args.format_type == "json":
        print(json.dumps({"canceled": done}))
    return code


def _spec(args: argparse.Namespace) -> int:
    from simulator.run.workflows import find, spec

    sys.stdout.write(spec(find(args.workflow_id), template=args.template))
    return 0
