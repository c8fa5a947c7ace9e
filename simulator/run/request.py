"""`RunRequest`: what a run is asked to be, as every front end (CLI, app, watch, replay) states it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from simulator.backends.docker.options import DockerOptions
from simulator.backends.kubernetes.options import KubeOptions
from simulator.spec.submission import Submission


@dataclass(frozen=True, slots=True)
class SimOptions:
    """The deterministic simulator: nothing to configure beyond the request's scenario and seed."""

    name: ClassVar[str] = "sim"


BackendOptions = SimOptions | DockerOptions | KubeOptions
"""The backend of a run and its typed options (the name is the options' class variable)."""


@dataclass(frozen=True, slots=True)
class SpecOptions:
    """How the workflow file is rendered and validated (`osmo workflow submit`'s options)."""

    set_values: tuple[str, ...] = ()
    """`--set K=V` (typed: int, then float, then string)."""
    set_strings: tuple[str, ...] = ()
    """`--set-string K=V` (kept as text, applied after --set)."""
    pool_config: Path | None = None
    """The pool-config file (None: the usual search path)."""
    submission: Submission = field(default_factory=Submission)
    """`--label` and `--priority`."""


@dataclass(frozen=True, slots=True)
class RunRequest:
    """One run, fully described: the only input of `simulator.run.prepare`."""

    path: Path | None = None
    """The workflow file (None: a plan handed over directly, e.g. a replay or a test)."""
    spec: SpecOptions = field(default_factory=SpecOptions)
    scenario: Path | None = None
    """Scenario file: scripts the simulator; its `pool:` keys apply on every backend."""
    seed: int | None = None
    workflow_id: str | None = None
    """None: `<name>-1`, as OSMO names the first submission."""
    backend: BackendOptions = field(default_factory=SimOptions)
    record: bool = True
    """Write the run to the run store as it happens."""
    reuse: bool = False
    """Docker and Kubernetes: restore groups whose key an earlier run kept instead of running
    them, and keep what completes (docs/reuse.md); needs `record`. The simulator ignores it."""

    @property
    def backend_name(self) -> str:
        return self.backend.name
