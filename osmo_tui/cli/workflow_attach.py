"""`osmo-tui workflow exec|port-forward`: into a running task's container (Docker) or pod
(Kubernetes), with OSMO's flags. The run says where the task is (`op: locate` at its endpoint, or
the failed tasks it kept); `simulator.run.attach` then talks to Docker or Kubernetes directly."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from typing import Any


def register(sub: Any) -> None:
    exe = sub.add_parser("exec", help="a shell (or --entry) in a running task's container")
    exe.add_argument("workflow_id", metavar="ID", help="workflow id (<name>-N) or run id")
    exe.add_argument("task", nargs="?", help="the task")
    exe.add_argument("--group", help="the task's group; without TASK: each task of the group")
    exe.add_argument(
        "--entry",
        dest="exec_entry_command",
        default="/bin/bash",
        help="the command to run (default /bin/bash, else sh when the image has no bash)",
    )
    exe.add_argument(
        "--keep-alive", action="store_true", help="start it again if the connection is lost"
    )
    _timeout(exe)
    exe.set_defaults(func=exec_verb)
    fwd = sub.add_parser("port-forward", help="forward local ports to a running task's ports")
    fwd.add_argument("workflow_id", metavar="ID", help="workflow id (<name>-N) or run id")
    fwd.add_argument("task", help="the task")
    fwd.add_argument(
        "--port",
        required=True,
        help="local_port[:task_port], or ranges port1-port2[:port3-port4], comma separated",
    )
    fwd.add_argument("--host", default="localhost", help="address to listen on (default localhost)")
    fwd.add_argument("--udp", action="store_true", help="forward UDP (Docker only)")
    _timeout(fwd)
    fwd.set_defaults(func=port_forward_verb)


def _timeout(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--connect-timeout", type=int, default=60, help="seconds to wait for the task to run"
    )


def _located(args: argparse.Namespace, group: str | None = None) -> list[Any]:
    """The task's place; a task not running yet is waited for up to --connect-timeout."""
    from simulator.run.locate import NotEnterable
    from simulator.run.workflows import find, locate

    info = find(args.workflow_id)
    deadline = time.monotonic() + max(args.connect_timeout, 0)
    while True:
        try:
            return locate(info, args.task, group)
        except NotEnterable as exc:
            if "not running yet" not in str(exc) or time.monotonic() > deadline:
                raise
        time.sleep(0.5)


def exec_verb(args: argparse.Namespace) -> int:
    from simulator.errors import UsageError
    from simulator.run.attach import entry_argv, run_exec

    if not args.task and not args.group:
        raise UsageError("name a TASK or a --group")
    argv = entry_argv(args.exec_entry_command)
    found = _located(args, args.group)
    if args.task:
        return _exec_one(args, found[0].target, argv)
    from simulator.errors import OsmoTuiError

    code = 0
    for entry in found:  # a whole group: each task in turn, plain (OSMO sends it to all of them)
        print(f"--- {entry.task}", flush=True)
        try:
            code = max(code, run_exec(entry.target, argv, interactive=False))
        except OsmoTuiError as exc:  # e.g. it ended in between: the others still get it
            print(f"osmo-tui: task {entry.task}: {exc.render()}", file=sys.stderr, flush=True)
            code = max(code, 1)
    return code


def _exec_one(args: argparse.Namespace, target: Any, argv: list[str]) -> int:
    from simulator.run.attach import ConnectionLost, run_exec

    while True:
        try:
            return run_exec(target, argv)
        except ConnectionLost:
            if not args.keep_alive:
                raise
            print("osmo-tui: the connection was lost; starting it again", file=sys.stderr)
            target = _located(args)[0].target


def port_forward_verb(args: argparse.Namespace) -> int:
    from simulator.errors import OsmoTuiError
    from simulator.run.attach import Forwarder, parse_ports

    pairs = parse_ports(args.port)
    entry = _located(args)[0]

    def alive() -> str | None:
        try:
            _located(_no_wait(args))
        except OsmoTuiError as exc:
            return exc.render()
        return None

    forward = Forwarder(entry.target, pairs, host=args.host, udp=args.udp, alive=alive)
    forward.start()
    signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops it as Ctrl-C does: ports closed
    try:
        for line in forward.lines():
            print(line, flush=True)
        shown = 0
        while not forward.wait(0.5):
            for line in forward.errors[shown:]:  # a connection the task refused: it goes on
                print(f"osmo-tui: {line}", file=sys.stderr, flush=True)
                shown += 1
    except KeyboardInterrupt:
        return 0
    finally:
        forward.stop()
    raise OsmoTuiError(f"port-forward stopped: {forward.stopped}")


def _interrupt(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt


def _no_wait(args: argparse.Namespace) -> argparse.Namespace:
    return argparse.Namespace(**{**vars(args), "connect_timeout": 0})
