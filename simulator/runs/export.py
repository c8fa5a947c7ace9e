"""Exports of a finished run: JUnit XML (one testcase per task) and the group graph with final
statuses as Mermaid or Graphviz dot, plus the plain-text timeline and summary of `simulate`."""

from __future__ import annotations

import re
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from simulator.engine.events import (
    Event,
    GroupStatusChanged,
    RunWarning,
    TaskLog,
    TaskReused,
    TaskStatusChanged,
    WorkflowStatusChanged,
)
from simulator.engine.plan import Plan

_COLOURS = {"COMPLETED": "#2e7d32", "RUNNING": "#1565c0", "WAITING": "#9e9e9e"}
_FAILED_COLOUR = "#c62828"
_UPSTREAM_COLOUR = "#ef6c00"


def _colour(status: str) -> str:
    if status == "FAILED_UPSTREAM":
        return _UPSTREAM_COLOUR
    if status.startswith("FAILED"):
        return _FAILED_COLOUR
    return _COLOURS.get(status, "#6d4c41")


def _id(name: str) -> str:
    return "g_" + re.sub(r"[^A-Za-z0-9_]", "_", name)


def to_junit(report: dict[str, Any], *, suite: str = "osmo-tui") -> str:
    """One `<testcase>` per task; failed statuses are failures with OSMO's message."""
    tasks = report["tasks"]
    failures = sum(1 for t in tasks.values() if t["status"].startswith("FAILED"))
    wf = report["workflow"]
    total = (wf["end_time"] or 0.0) - (wf["start_time"] or 0.0)
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<testsuites name={quoteattr(suite)} tests="{len(tasks)}" failures="{failures}">',
        f'  <testsuite name={quoteattr(wf["name"])} tests="{len(tasks)}" '
        f'failures="{failures}" time="{total:.3f}">',
    ]
    for name, t in tasks.items():
        spent = (t["end_time"] or 0.0) - (t["start_time"] or t["end_time"] or 0.0)
        head = (
            f"    <testcase classname={quoteattr(t['group'])} name={quoteattr(name)} "
            f'time="{spent:.3f}"'
        )
        if t["status"].startswith("FAILED"):
            text = f"{t['status']} exit_code={t['exit_code']} retries={t['retries']} {t['message']}"
            message = quoteattr(t["message"] or t["status"])
            lines.append(head + ">")
            lines.append(
                f"      <failure type={quoteattr(t['status'])} message={message}>"
                f"{escape(text.strip())}</failure>"
            )
            lines.append("    </testcase>")
        elif t["status"] != "COMPLETED":
            lines.append(head + f"><skipped message={quoteattr(t['status'])}/></testcase>")
        elif t.get("reused_from"):
            source = t["reused_from"]
            lines.append(head + ">")
            lines.append("      <properties>")
            lines.append(f'        <property name="reused_from" value={quoteattr(source)}/>')
            lines.append("      </properties>")
            lines.append(
                f"      <system-out>{escape(f'not run: result reused from run {source}')}"
                "</system-out>"
            )
            lines.append("    </testcase>")
        else:
            lines.append(head + "/>")
    lines += ["  </testsuite>", "</testsuites>", ""]
    return "\n".join(lines)


def _edges(plan: Plan) -> list[tuple[str, str]]:
    return [(up, g.name) for g in plan.groups.values() for up in g.upstream]


def to_mermaid(plan: Plan, report: dict[str, Any]) -> str:
    """`flowchart TD` of the groups, each labelled and outlined by its final status."""
    lines = ["flowchart TD"]
    for name, g in report["groups"].items():
        label = f"{name}<br/>{g['status']}<br/>" + ", ".join(g["tasks"])
        lines.append(f'  {_id(name)}["{label}"]')
        lines.append(f"  style {_id(name)} stroke:{_colour(g['status'])},stroke-width:3px")
    for up, down in _edges(plan):
        lines.append(f"  {_id(up)} --> {_id(down)}")
    return "\n".join(lines) + "\n"


def to_dot(plan: Plan, report: dict[str, Any]) -> str:
    """Graphviz digraph of the groups, coloured by final status."""
    name = quoteattr(report["workflow"]["name"])
    lines = [f"digraph {name} {{", "  rankdir=LR;", "  node [shape=box];"]
    for group, g in report["groups"].items():
        label = f"{group}\\n{g['status']}\\n" + "\\n".join(g["tasks"])
        colour = _colour(g["status"])
        lines.append(f'  {_id(group)} [label="{label}", color="{colour}", penwidth=2];')
    for up, down in _edges(plan):
        lines.append(f"  {_id(up)} -> {_id(down)};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def fmt_time(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds >= 3600:
        return f"{int(seconds // 3600)}h{int(seconds % 3600 // 60):02d}m{seconds % 60:04.1f}s"
    if seconds >= 60:
        return f"{int(seconds // 60)}m{seconds % 60:04.1f}s"
    return f"{seconds:.1f}s"


def timeline_line(event: Event) -> str | None:
    """One readable line for a status change, log or warning (None for low-level reports)."""
    stamp = f"[{fmt_time(event.time):>10}]"
    match event:
        case WorkflowStatusChanged():
            return f"{stamp} workflow {event.status}"
        case GroupStatusChanged():
            extra = f"  ({event.message})" if event.message else ""
            return f"{stamp} group {event.group} {event.status}{extra}"
        case TaskStatusChanged():
            retry = f" retry {event.retry}" if event.retry else ""
            code = f" exit {event.exit_code}" if event.exit_code is not None else ""
            extra = f"  ({event.message})" if event.message else ""
            return f"{stamp}   task {event.task}{retry} {event.status}{code}{extra}"
        case TaskReused():
            return f"{stamp}   task {event.task} REUSED from run {event.source}"
        case TaskLog():
            return f"{stamp}     {event.task} | {event.line}"
        case RunWarning():
            return f"{stamp} warning: {event.message}"
        case _:
            return None


def summary_table(report: dict[str, Any]) -> str:
    """A plain-text table: one row per task, then the workflow's status and duration."""
    header = ("TASK", "GROUP", "LEAD", "STATUS", "EXIT", "RETRIES", "START", "END", "MESSAGE")
    reused = {n: t.get("reused_from") for n, t in report["tasks"].items()}
    rows = [header]
    for name, t in report["tasks"].items():
        rows.append(
            (
                name,
                t["group"],
                "*" if t["lead"] else "",
                t["status"],
                "-" if t["exit_code"] is None else str(t["exit_code"]),
                str(t["retries"]),
                fmt_time(t["start_time"]),
                fmt_time(t["end_time"]),
                f"reused from {reused[name]}" if reused[name] else t["message"],
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(header) - 1)]
    out = [
        "  ".join(c.ljust(w) for c, w in zip(r[:-1], widths, strict=True)) + "  " + r[-1]
        for r in rows
    ]
    wf = report["workflow"]
    out.append("")
    out.append(
        f"workflow {wf['name']}: {wf['status']} "
        f"(start {fmt_time(wf['start_time'])}, end {fmt_time(wf['end_time'])})"
    )
    return "\n".join(line.rstrip() for line in out) + "\n"
