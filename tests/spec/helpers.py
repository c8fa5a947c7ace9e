"""Helpers for spec tests: write a workflow, load it, return its errors or the loaded result."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from simulator.errors import SpecErrors
from simulator.spec.loader import LoadedWorkflow, load_workflow


def write(tmp_path: Path, text: str, name: str = "wf.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return path


def load(tmp_path: Path, text: str, **kwargs: Any) -> LoadedWorkflow:
    return load_workflow(write(tmp_path, text), **kwargs)


def errors(tmp_path: Path, text: str, **kwargs: Any) -> list[str]:
    """Messages of the SpecErrors raised (fails the test if the spec loads)."""
    try:
        load(tmp_path, text, **kwargs)
    except SpecErrors as exc:
        return [e.message for e in exc.errors]
    raise AssertionError("expected the workflow to be invalid")


def located(tmp_path: Path, text: str, **kwargs: Any) -> list[tuple[int | None, int | None, str]]:
    """(line, column, message) of each error."""
    try:
        load(tmp_path, text, **kwargs)
    except SpecErrors as exc:
        return [
            (e.location.line, e.location.column, e.message)
            if e.location
            else (None, None, e.message)
            for e in exc.errors
        ]
    raise AssertionError("expected the workflow to be invalid")


def task(name: str = "t1", extra: str = "", image: str = "ubuntu:24.04") -> str:
    """One task of a `tasks:` list at indentation 2."""
    body = f"  - name: {name}\n    image: {image}\n    command: [echo, hi]\n"
    if extra:
        body += textwrap.indent(textwrap.dedent(extra).strip("\n"), "    ") + "\n"
    return body


def wf(*tasks: str, head: str = "") -> str:
    """A `tasks:`-style workflow named `wf`; `head` goes before `tasks:`."""
    return "workflow:\n  name: wf\n" + head + "  tasks:\n" + "".join(tasks)
