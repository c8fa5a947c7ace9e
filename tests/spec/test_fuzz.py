"""Property-based fuzzing of the loader and the CLI: any input gives our own errors with a
location (or loads), never an exception of another type and never a traceback."""

from __future__ import annotations

import contextlib
import io
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from osmo_tui.cli.main import main
from simulator.errors import SpecErrors
from simulator.pool.config import load_pool
from simulator.spec.loader import load_workflow
from tests.conftest import COOKBOOK, EXAMPLES

SEEDS = [
    p.read_text()
    for p in [*sorted(EXAMPLES.rglob("*.yaml")), *sorted(COOKBOOK.rglob("*.yaml"))]
    if p.name != "osmo-pool.yaml"
]
SNIPPETS = [
    "{{",
    "}}",
    "{%",
    "%}",
    "{#",
    ": ",
    "- ",
    "\t",
    "'",
    '"',
    "[",
    "]",
    "{",
    "}",
    "&a ",
    "*a",
    "<<: *a",
    "{{output}}",
    "{{ x }}",
    "{% for i in range(3) %}",
    "{% endfor %}",
    "lead: true",
    "inputs: [{task: x}]",
    "name: ",
    "workflow:",
    "default-values:",
    "\n",
    "  ",
    "null",
    "~",
    "!!python/object:os.system",
    "1e9",
    "0x1F",
    "- task: ",
    "exitActions: {COMPLETE: 1}",
]
POOL = load_pool()
SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def mutated(draw: st.DrawFn) -> str:
    """A real workflow with a few random edits (line drops/duplicates, snippets, characters)."""
    lines = draw(st.sampled_from(SEEDS)).splitlines()
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["drop", "dup", "insert", "char", "indent"]))
        if op == "drop":
            del lines[i]
        elif op == "dup":
            lines.insert(i, lines[i])
        elif op == "insert":
            at = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:at] + draw(st.sampled_from(SNIPPETS)) + lines[i][at:]
        elif op == "char":
            at = draw(st.integers(0, max(0, len(lines[i]) - 1)))
            lines[i] = lines[i][:at] + draw(st.characters()) + lines[i][at + 1 :]
        else:
            lines[i] = " " * draw(st.integers(0, 6)) + lines[i].lstrip()
    return "\n".join(lines) + "\n"


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 10**6),
    st.floats(allow_nan=False),
    st.text(max_size=12),
    st.sampled_from(["t1", "a-group", "default", "s3://b/x", "10m", "8Gi"]),
)
KEYS = st.sampled_from(
    [
        "name",
        "tasks",
        "groups",
        "image",
        "command",
        "args",
        "lead",
        "inputs",
        "task",
        "url",
        "resources",
        "default",
        "cpu",
        "gpu",
        "memory",
        "platform",
        "timeout",
        "exec_timeout",
        "labels",
        "files",
        "path",
        "contents",
        "exitActions",
        "COMPLETE",
        "environment",
        "checkpoint",
        "frequency",
        "credentials",
        "volumeMounts",
        "barrier",
        "x",
    ]
)
DOCS = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(KEYS, children, max_size=5)
    ),
    max_leaves=25,
)


def _parsed(text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:  # templated seeds are not YAML before rendering
        return None


PARSED = [doc for doc in map(_parsed, SEEDS) if isinstance(doc, dict)]


def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _paths(value, (*path, i))
    return found


@st.composite
def restructured(draw: st.DrawFn) -> str:
    """A parsed real workflow with values replaced, keys dropped or lists emptied."""
    import copy

    doc = copy.deepcopy(draw(st.sampled_from(PARSED)))
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(doc) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = doc
        for step in path[:-1]:
            parent = parent[step]
        if draw(st.booleans()) and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(DOCS)
    return yaml.safe_dump(doc)


def _check(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "wf.yaml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            load_workflow(path, pool=POOL)
        except SpecErrors as exc:
            assert exc.errors
            for error in exc.errors:
                assert error.location is not None and error.location.path == str(path)
                assert error.message and "Traceback" not in error.message


@SETTINGS
@given(mutated())
def test_mutated_workflows_fail_cleanly(text: str) -> None:
    _check(text)


@SETTINGS
@given(DOCS)
def test_random_documents_fail_cleanly(doc: Any) -> None:
    _check(yaml.safe_dump({"workflow": doc}))


@SETTINGS
@given(restructured())
def test_restructured_workflows_fail_cleanly(text: str) -> None:
    _check(text)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(), st.sampled_from(["validate", "graph", "render"]))
def test_cli_never_prints_a_traceback(text: str, command: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "wf.yaml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main([command, str(path)])
    assert code in (0, 1), err.getvalue()
    assert "Traceback" not in err.getvalue() and "internal error" not in err.getvalue()
