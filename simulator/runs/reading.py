"""Reading a recorded run back without trusting it: every file of a run directory may be
missing, truncated, foreign or not UTF-8, and each problem becomes a reason, never a crash."""

from __future__ import annotations

import json
import math
import typing
from functools import cache
from pathlib import Path
from typing import Any

from simulator import inputs
from simulator.engine.events import EVENT_TYPES, Event, event_from_dict
from simulator.engine.plan import Plan
from simulator.engine.snapshot import RunSnapshot, fold
from simulator.errors import OsmoTuiError

_META_TEXT = ("workflow", "workflow_id", "backend", "status", "source")
_LATEST = 1e11
"""Seconds since the epoch (year 5138): a later `created` is not a time the run could have."""


class DamagedRun(OsmoTuiError):
    """A run directory that cannot be replayed (exit 1): its message says which file and why."""

    exit_code = 1


def _json_file(path: Path, max_bytes: int = inputs.MAX_CONFIG_BYTES) -> Any:
    """A JSON document of the run; DamagedRun naming the file and the problem."""
    try:
        text = inputs.read_text(path, max_bytes=max_bytes)
    except inputs.InputError as exc:
        raise DamagedRun(f"{path.name}: {exc.message}") from None
    return _json(text, path.name)


def _json(text: str, name: str) -> Any:
    deep = inputs.bracket_nesting(text)
    if deep is not None:
        raise DamagedRun(f"{name}:{deep[0]}:{deep[1]}: nests too deeply")
    try:
        return json.loads(text)
    except ValueError as exc:  # JSONDecodeError, and numbers past Python's digit limit
        where = (
            f"{name}:{exc.lineno}:{exc.colno}" if isinstance(exc, json.JSONDecodeError) else name
        )
        raise DamagedRun(f"{where}: not JSON") from None


def read_meta(run_dir: Path) -> dict[str, Any]:
    """meta.json's fields, type-checked; DamagedRun when it is missing or wrong."""
    meta = _json_file(run_dir / "meta.json")
    if not isinstance(meta, dict):
        raise DamagedRun("meta.json: not a JSON object")
    for key in _META_TEXT:
        if not isinstance(meta.get(key, ""), str):
            raise DamagedRun(f"meta.json: {key} is not text")
    created = meta.get("created", 0.0)
    if isinstance(created, bool) or not isinstance(created, int | float):
        raise DamagedRun("meta.json: created is not a number")
    if not (math.isfinite(created) and 0 <= created < _LATEST):
        raise DamagedRun("meta.json: created is not a time")
    out = {k: v for k, v in meta.items() if k in (*_META_TEXT, "created")}
    pid = meta.get("pid")
    if isinstance(pid, int) and not isinstance(pid, bool) and 0 < pid < 2**31:
        out["pid"] = pid  # optional: older runs and foreign files have none
    return out


def events_problem(run_dir: Path) -> str:
    """A quick check for the listing: why events.jsonl cannot be replayed, or ''. Reads the
    file once (size-capped, UTF-8) and parses its first and last lines (not every line: a
    store of long runs must still list at once)."""
    try:
        text = _events_text(run_dir)
        first, last = text.lstrip(), text.rstrip()
        if first:
            parse_event(
                first[: first.find("\n") % (len(first) + 1)], text[: -len(first)].count("\n") + 1
            )
            parse_event(last[last.rfind("\n") + 1 :], last.count("\n") + 1)
    except DamagedRun as exc:
        return str(exc)
    return ""


def _event_lines(run_dir: Path) -> list[tuple[int, str]]:
    """(line number in the file, line) of every non-blank line."""
    lines = _events_text(run_dir).splitlines()
    return [(number, line) for number, line in enumerate(lines, 1) if line.strip()]


def _events_text(run_dir: Path) -> str:
    path = run_dir / "events.jsonl"
    try:
        text = inputs.read_text(path, max_bytes=inputs.MAX_FILE_BYTES)
    except inputs.InputError as exc:
        where = exc.location
        at = f":{where.line}:{where.column}" if where.line is not None else ""
        raise DamagedRun(f"events.jsonl{at}: {exc.message}") from None
    if text and not text.endswith("\n"):  # the recorder writes whole lines: a cut file
        raise DamagedRun(f"events.jsonl:{text.count(chr(10)) + 1}: truncated (no end of line)")
    return text


def read_events(run_dir: Path) -> list[Event]:
    """Every event of the run; DamagedRun at the first line that is not one of ours."""
    return [parse_event(line, number) for number, line in _event_lines(run_dir)]


def parse_event(line: str, number: int) -> Event:
    """One line of events.jsonl as an event, its fields type-checked; DamagedRun otherwise."""
    name = f"events.jsonl:{number}"
    data = _json(line, name)
    kind = data.get("kind") if isinstance(data, dict) else None
    if not isinstance(kind, str) or kind not in EVENT_TYPES:
        raise DamagedRun(f"{name}: not an osmo-tui event")
    problem = _field_problem(EVENT_TYPES[kind], data)
    if problem:
        raise DamagedRun(f"{name}: {kind}: {problem}")
    try:
        return event_from_dict(data)
    except (TypeError, ValueError, KeyError) as exc:  # a status outside the enum
        raise DamagedRun(f"{name}: {kind}: {exc}") from None


@cache
def _hints(cls: type) -> dict[str, Any]:
    return {k: v for k, v in typing.get_type_hints(cls).items() if k != "kind"}


def _field_problem(cls: type, data: dict[str, Any]) -> str:
    hints = _hints(cls)
    for key, value in data.items():
        if key != "kind" and key not in hints:
            return f"unknown field {key[:40]!r}"
        if key != "kind" and not _fits(value, hints[key]):
            return f"{key} has the wrong type"
    return ""


def _fits(value: Any, hint: Any) -> bool:
    """Whether a JSON value can stand for a field of this type (enums are checked later)."""
    options = typing.get_args(hint) if typing.get_origin(hint) in (typing.Union, _UnionType) else ()
    if options:
        return any(_fits(value, option) for option in options)
    if hint is type(None):
        return value is None
    if hint is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return ok and math.isfinite(value)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**63
    if hint in (str, bool):
        return isinstance(value, hint)
    return isinstance(value, str | int | float) or value is None


_UnionType = type(int | None)


def read_report(run_dir: Path) -> dict[str, Any] | None:
    """report.json (None for a run that never finished)."""
    path = run_dir / "report.json"
    if not path.exists():
        return None
    report = _json_file(path, inputs.MAX_FILE_BYTES)
    if not isinstance(report, dict):
        raise DamagedRun("report.json: not a JSON object")
    return report


def read_spec(run_dir: Path) -> str:
    """The rendered spec ('' when it was not recorded)."""
    path = run_dir / "spec.yaml"
    if not path.exists():
        return ""
    try:
        return inputs.read_text(path)
    except inputs.InputError as exc:
        raise DamagedRun(f"spec.yaml: {exc.message}") from None


def read_log(path: Path) -> str:
    """A task's log: what the task printed, shown as it is (bad bytes replaced, not refused)."""
    try:
        return inputs.read_bytes(path).decode("utf-8", "replace")
    except inputs.InputError as exc:
        raise DamagedRun(f"logs/{path.name}: {exc.message}") from None


def replay_problem(plan: Plan, events: list[Event]) -> str:
    """Why these events cannot be replayed on the run's plan (events of another workflow, or
    out of order), or '': folds them into a scratch snapshot as the app would."""
    snap = RunSnapshot.from_plan(plan)
    for number, event in enumerate(events, 1):
        for attr, names in (("task", plan.tasks), ("group", plan.groups)):
            name = getattr(event, attr, None)
            if isinstance(name, str) and name not in names:
                return f"events.jsonl:{number}: {attr} {name[:60]!r} is not in the run's spec"
        try:
            fold(snap, event)
        except Exception as exc:  # foreign data: any failure means "not this run"
            return f"events.jsonl:{number}: does not fit the run's spec ({type(exc).__name__})"
    return ""
