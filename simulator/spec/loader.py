"""`load_workflow`: read a workflow file the way OSMO does and say where every problem is.

Pipeline (SPEC §1.2, §4.2; each stage reports all its errors, a failing stage stops the rest):
sections → Jinja render (templated files) → YAML with positions → `localpath` inlining → OSMO's
second render of the re-dumped spec → labels → pydantic models → names/leads → group DAG,
platforms and resources → pool checks (fit, privileges, mounts) → task count → timeouts.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from simulator import inputs
from simulator.common import yamlpos
from simulator.common.locate import LineMap, Locator
from simulator.common.units import parse_quantity
from simulator.errors import Location, SpecError, SpecErrors, UsageError
from simulator.pool.config import PoolConfig, load_pool
from simulator.spec import checks, datarefs, poolchecks, render
from simulator.spec import submission as submission_checks
from simulator.spec.diagnostics import SpecWarning, pydantic_errors
from simulator.spec.models import TaskInput, VersionedWorkflowSpec, WorkflowSpec
from simulator.spec.second_pass import inline_localpaths, second_render
from simulator.spec.submission import Submission, parse_labels, parse_set_env
from simulator.spec.timeouts import fill_timeouts
from simulator.spec.tokens import unmatched_token_warnings


@dataclass
class LoadedWorkflow:
    path: Path
    source: str
    """The file's text."""
    rendered: str
    """The rendered `workflow:` section (what YAML parsed; "in rendered spec" lines refer to it)."""
    spec: WorkflowSpec
    """Validated, in groups form, resources bound and platforms/timeouts filled from the pool."""
    pool: PoolConfig
    warnings: list[SpecWarning] = field(default_factory=list)
    dependencies: list[Path] = field(default_factory=list)
    """The workflow file and every `localpath` file read (hot reload watches these)."""
    data: Any = None
    """The rendered document as plain data (after `localpath` inlining)."""
    locator: Locator | None = None
    task_paths: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    """Document path of each task, for `locator.of(...)` (e.g. to jump to a task in an editor)."""

    def location_of_task(self, task: str) -> Location:
        """Where the task's name is written (source line, or rendered line if generated)."""
        if self.locator is None or task not in self.task_paths:
            return Location(str(self.path))
        return self.locator.of((*self.task_paths[task], "name"))

    def dry_run(self) -> str:
        """The rendered spec as OSMO's `--dry-run` prints it: `yaml.dump`, keys sorted."""
        import yaml

        data, _ = yamlpos.load(self.rendered)
        return str(yaml.dump(data, sort_keys=True))


def _fail(messages: Iterable[tuple[str, Location]]) -> SpecErrors:
    return SpecErrors([SpecError(m, loc) for m, loc in messages])


def _path(path: str | os.PathLike[str]) -> Path:
    """`Path('')` is `.`: an empty argument must not become "the current directory"."""
    if not os.fspath(path):
        raise UsageError("no workflow file given (the path is empty)")
    return Path(path)


def _read(path: Path) -> str:
    """The workflow's text through the input boundary (regular file, size cap, UTF-8)."""
    try:
        return inputs.read_text(path, what="workflow file")
    except inputs.InputError as exc:
        if exc.content:
            raise _fail([(f"Workflow file is {exc.message}", exc.location)]) from None
        raise UsageError(str(exc)) from None


def render_limits(pool: PoolConfig) -> render.Limits:
    """The pool's Jinja limits."""
    return render.Limits(pool.max_render_time, parse_quantity(pool.max_render_memory))


def render_stage(
    path: Path,
    text: str,
    set_values: Iterable[str],
    set_strings: Iterable[str],
    limits: render.Limits = render.DEFAULT_LIMITS,
) -> tuple[str, LineMap, dict[str, Any]]:
    """Sections and the first Jinja render; returns (rendered, line map, --set variables)."""
    file = str(path)
    set_values, set_strings = list(set_values), list(set_strings)
    try:
        sections = render.split_sections(text)
    except render.SectionError as exc:
        loc = Location(file, exc.line + 1, 1) if exc.line is not None else Location(file)
        raise _fail([(exc.message, loc)]) from None
    set_only = render.variables({}, set_values, set_strings)
    if not render.is_templated(text):
        return sections.workflow, LineMap(sections.workflow, None, sections.workflow_line), set_only
    data = render.variables(sections.defaults, set_values, set_strings)
    try:
        rendered = render.render(sections.workflow, data, limits)
    except render.RenderError as exc:
        if not exc.lineno:
            raise _fail([(exc.message, Location(file))]) from None
        line = sections.workflow_line + exc.lineno
        column = _jinja_column(
            text.splitlines()[line - 1] if line <= text.count("\n") + 1 else "", exc.message
        )
        raise _fail([(exc.message, Location(file, line, column))]) from None
    return rendered, LineMap(sections.workflow, rendered, sections.workflow_line), set_only


def _jinja_column(line: str, message: str) -> int:
    """1-based column of the undefined name Jinja complains about, else of the first tag."""
    match = re.search(r"'(\w+)' is undefined", message)
    if match:
        found = re.search(r"\b" + re.escape(match.group(1)) + r"\b", line)
        if found:
            return found.start() + 1
    tags = [i for i in (line.find("{{"), line.find("{%"), line.find("{#")) if i >= 0]
    return min(tags) + 1 if tags else 1


def parse_stage(rendered: str, locator: Locator) -> Any:
    """YAML with positions (kept on the locator); OSMO's message for a syntax error."""
    try:
        data, positions = yamlpos.load(rendered)
    except yamlpos.YamlError as exc:
        message = "Workflow spec is not properly formatted: " + _one_line(exc.text)
        raise _fail([(message, locator.at(exc.line, exc.column))]) from None
    locator.positions = positions
    return data


def _one_line(text: str) -> str:
    """PyYAML's multi-line message without its `in "<unicode string>"` position lines."""
    lines = [line.strip() for line in text.splitlines()]
    return "; ".join(line for line in lines if line and not line.startswith(("in ", "^")))


def _raise(findings: checks.Findings, locator: Locator) -> None:
    if findings:
        errors = [SpecError(m, locator.of(p, key=k)) for m, p, k in findings.items]
        errors.sort(
            key=lambda e: (e.location.line or 0, e.location.column or 0) if e.location else (0, 0)
        )
        raise SpecErrors(errors)


def _check_labels(data: Any, locator: Locator) -> None:
    findings = checks.Findings()
    workflow = data.get("workflow") if isinstance(data, dict) else None
    if isinstance(workflow, dict) and "labels" in workflow:
        checks.check_labels(workflow["labels"], findings)
    _raise(findings, locator)


def _check_tasks_groups(data: Any, locator: Locator) -> None:
    """OSMO's before validator, ahead of pydantic's field errors."""
    findings = checks.Findings()
    workflow = data.get("workflow") if isinstance(data, dict) else None
    if isinstance(workflow, dict):
        checks.check_tasks_groups(workflow, findings)
    _raise(findings, locator)


def model_stage(data: Any, locator: Locator) -> WorkflowSpec:
    """Labels pre-check, pydantic, then the document-wide structure rules."""
    _check_labels(data, locator)
    if not isinstance(data, dict):
        raise _fail([("Workflow spec is not properly formatted: not a mapping", locator.at(0))])
    _check_tasks_groups(data, locator)
    try:
        spec = VersionedWorkflowSpec.model_validate(data).workflow
    except ValidationError as exc:
        raise SpecErrors(pydantic_errors(exc, data, locator)) from None
    except RecursionError:
        raise _fail([("Workflow spec nests too deeply", locator.at(0))]) from None
    findings = checks.Findings()
    checks.check_structure(spec, findings)
    _raise(findings, locator)
    return spec


def load_workflow(
    path: str | os.PathLike[str],
    *,
    set_values: Iterable[str] = (),
    set_strings: Iterable[str] = (),
    pool: PoolConfig | None = None,
    pool_config: str | os.PathLike[str] | None = None,
    submission: Submission | None = None,
) -> LoadedWorkflow:
    """Load, render and validate a workflow file; raises SpecErrors (or UsageError).

    `submission` holds what `osmo workflow submit` adds (`--label`, `--priority`, `--set-env`); the user's
    credentials are read from the local store (`simulator.credentials`).

    A SpecErrors raised after rendering carries `.rendered` (the rendered text that "in rendered
    spec" lines refer to) and `.dependencies` (the files read so far, for hot reload).
    """
    path = _path(path)
    submission = submission or Submission()
    cli_labels = parse_labels(submission.labels)
    parse_set_env(submission.env)  # a bad --set-env is a usage error before any file is read
    text = _read(path)
    if pool is None:
        pool = load_pool(pool_config, pool_name=submission.pool)
    limits = render_limits(pool)
    dependencies = [path]
    try:
        rendered, linemap, set_only = render_stage(path, text, set_values, set_strings, limits)
    except SpecErrors as exc:
        exc.dependencies = dependencies  # type: ignore[attr-defined]
        raise
    locator = Locator(str(path), None, linemap)
    try:
        data = parse_stage(rendered, locator)
        inline_localpaths(data, path, locator, dependencies)
        data = second_render(data, set_only, locator, limits)
        _merge_labels(data, cli_labels)
        spec, refs, warnings = _validate(data, pool, locator, submission, dependencies)
    except SpecErrors as exc:
        exc.rendered = rendered  # type: ignore[attr-defined]
        exc.dependencies = dependencies  # type: ignore[attr-defined]
        raise
    return LoadedWorkflow(
        path=path,
        source=text,
        rendered=rendered,
        spec=spec,
        pool=pool,
        warnings=warnings,
        dependencies=dependencies,
        data=data,
        locator=locator,
        task_paths={name: ref.task_path for name, ref in refs.items()},
    )


def _merge_labels(data: Any, cli_labels: dict[str, str]) -> None:
    """`--label` over the spec's labels (OSMO: spec labels, then the command line's)."""
    workflow = data.get("workflow") if isinstance(data, dict) else None
    if cli_labels and isinstance(workflow, dict):
        spec_labels = workflow.get("labels")
        workflow["labels"] = {
            **(spec_labels if isinstance(spec_labels, dict) else {}),
            **cli_labels,
        }


def _validate(
    data: Any,
    pool: PoolConfig,
    locator: Locator,
    submission: Submission,
    dependencies: list[Path],
) -> tuple[WorkflowSpec, dict[str, checks.TaskRef], list[SpecWarning]]:
    """Models, then OSMO's parse (DAG, platforms, resources), then the submit-time checks in
    OSMO's order: maintenance, GPU guarantee, topology keys, pool (platforms, fit, privileges),
    then per task the image and storage URLs and the credentials."""
    spec = model_stage(data, locator)
    submission_checks.apply_set_env(spec, parse_set_env(submission.env))
    refs = checks.task_refs(spec)
    findings = checks.Findings()
    checks.check_dag(spec, refs, findings)
    spec = checks.to_groups(spec)
    poolchecks.default_platforms(spec, pool, findings)
    poolchecks.bind_resources(spec, refs, findings)
    _raise(findings, locator)
    warnings = _task_count(spec, pool, locator)
    checks.check_name_lengths(spec, refs, findings)
    poolchecks.check_mount_syntax(spec, refs, findings)
    _raise(findings, locator)
    maintenance = submission_checks.maintenance_error(pool)
    if maintenance:
        raise _fail([(maintenance, Location(pool.source or locator.file))])
    submission_checks.check_gpu_guarantee(spec, pool, submission.priority, refs, findings)
    checks.check_topology_keys(spec, findings)
    poolchecks.check_platforms(spec, pool, refs, findings)
    _raise(findings, locator)
    datarefs.check_references(spec, refs, findings)
    unchecked = submission_checks.check_credentials(spec, refs, findings, dependencies)
    _raise(findings, locator)
    warnings += [SpecWarning(m, locator.of(p, key=True)) for m, p in unchecked]
    warnings += submission_checks.low_priority_warning(submission.priority)
    warnings += fill_timeouts(spec, pool, locator)
    warnings += _soft_warnings(data, spec, refs, locator)
    return spec, refs, warnings


def _task_count(spec: WorkflowSpec, pool: PoolConfig, locator: Locator) -> list[SpecWarning]:
    count = sum(len(g.tasks) for g in spec.groups)
    limit = pool.max_num_tasks
    where = locator.of(("workflow", "name"))
    if limit is not None and count > limit:
        raise _fail([(f"Workflow cannot have more than {limit} tasks.", where)])
    if limit is None and count > poolchecks.DEFAULT_MAX_TASKS:
        message = (
            f"Workflow has {count} tasks; an OSMO server with the default configuration refuses "
            f"more than {poolchecks.DEFAULT_MAX_TASKS} (set max_num_tasks in the pool config to "
            "enforce a limit)."
        )
        return [SpecWarning(message, where)]
    return []


def _soft_warnings(
    data: Any, spec: WorkflowSpec, refs: dict[str, checks.TaskRef], locator: Locator
) -> list[SpecWarning]:
    """What OSMO accepts silently but surprises users: ignored `pool`, literal tokens, old inputs."""
    out: list[SpecWarning] = []
    workflow = data.get("workflow", {}) if isinstance(data, dict) else {}
    if isinstance(workflow, dict) and workflow.get("pool"):
        message = (
            f"workflow.pool ({workflow['pool']}) is ignored: OSMO runs the workflow in the pool "
            "given on the command line"
        )
        out.append(SpecWarning(message, locator.of(("workflow", "pool"))))
    for group in spec.groups:
        for task in group.tasks:
            tloc = locator.of((*refs[task.name].task_path, "name"))
            out += [SpecWarning(m, tloc) for m in unmatched_token_warnings(task, group)]
            for inp in task.inputs:
                if isinstance(inp, TaskInput) and ":" in inp.task:
                    message = (
                        f"Task {task.name}: input {inp.task} is a task of an earlier workflow; "
                        "it cannot be checked or downloaded locally"
                    )
                    out.append(SpecWarning(message, tloc))
    return out


def dry_run(
    path: str | os.PathLike[str],
    *,
    set_values: Iterable[str] = (),
    set_strings: Iterable[str] = (),
    pool_config: str | os.PathLike[str] | None = None,
    pool_name: str | None = None,
) -> str:
    """What OSMO's `--dry-run` prints: render, YAML, labels, then `yaml.dump` with sorted keys."""
    import yaml

    path = _path(path)
    text = _read(path)
    limits = render_limits(load_pool(pool_config, pool_name=pool_name))
    rendered, linemap, _ = render_stage(path, text, set_values, set_strings, limits)
    locator = Locator(str(path), None, linemap)
    data = parse_stage(rendered, locator)
    _check_labels(data, locator)
    return str(yaml.dump(data, sort_keys=True))
