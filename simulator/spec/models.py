"""pydantic v2 models of an OSMO workflow, field for field as OSMO defines them (SPEC §2).

Attribute names are exactly the YAML keys. Field-level rules live here (types, coercions, OSMO's
value errors); rules that span the document (names, leads, DAG, resources, pool) live in
`simulator.spec.checks`, which knows where each value is in the file.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from simulator.common.units import (
    EXIT_CODES_REGEX,
    normalise_quantity,
    parse_duration,
    parse_quantity,
    quantity_unit_error,
)

NAME_REGEX = r"[a-zA-Z]([a-zA-Z0-9_-]*[a-zA-Z0-9])?"
NAME_PATTERN = f"^{NAME_REGEX}$"
TASK_NAME_REGEX = re.compile(
    rf"(?P<workflow_id_or_task>{NAME_REGEX})(:(?P<previous_task>{NAME_REGEX}))?"
)
_URI_COMPONENT = r"[^/,;*]+"
STORAGE_URL_REGEXES = {
    "swift": rf"^swift://{_URI_COMPONENT}(/{_URI_COMPONENT}){{2,}}/*$",
    "s3": rf"^s3://{_URI_COMPONENT}(/{_URI_COMPONENT})*/*$",
    "gs": rf"^gs://{_URI_COMPONENT}(/{_URI_COMPONENT})*/*$",
    "tos": rf"^tos://{_URI_COMPONENT}(/{_URI_COMPONENT})+/*$",
    "azure": rf"^azure://{_URI_COMPONENT}(/{_URI_COMPONENT})+/*$",
}
"""OSMO's `src/lib/api/storage.py`: the URLs its data layer accepts, per scheme."""
STORAGE_BACKEND_PATTERN = "(" + "|".join(STORAGE_URL_REGEXES.values()) + ")"
"""OSMO's `STORAGE_BACKEND_REGEX` (checkpoint URLs), verbatim so pydantic's message matches."""
EXIT_ACTIONS = ("COMPLETE", "FAIL", "RESCHEDULE")

NameStr = Annotated[str, StringConstraints(pattern=NAME_PATTERN)]


def empty_list() -> list[Any]:
    """`default_factory` of list fields. pydantic inspects a factory's signature whenever it builds
    a schema or a `model_construct` default; for the builtin `list` that means tokenizing its text
    signature (3 ms the first time, 70 µs each after), for a Python function it is nearly free."""
    return []


def empty_dict() -> dict[str, Any]:
    """`default_factory` of dict fields (see `empty_list`)."""
    return {}


def k8s_name(name: str) -> str:
    """OSMO's Kubernetes form of a name: case-folded, `_` read as `-`."""
    return name.lower().replace("_", "-")


def _check_duration(value: Any) -> Any:
    parse_duration(value)
    return value


Duration = Annotated[str | int | float, BeforeValidator(_check_duration)]
"""A duration as written (`90`, `10m`, `PT1H`); `simulator.common.units.parse_duration` gives seconds."""


def _is_scalar(value: Any) -> bool:
    return isinstance(value, str | bool | int | float)


def _scalar_to_str(value: Any) -> Any:
    """environment / exitActions / credentials coerce bools too (`True` → `'True'`)."""
    return str(value) if _is_scalar(value) else value


def _check_frequency(value: Any) -> Any:
    """OSMO's `CheckpointSpec.validate_frequency`: a YAML boolean is not a number of seconds."""
    if isinstance(value, bool):
        raise ValueError("Checkpoint frequency must be a duration, not a boolean")
    return value


def _check_regex(regex: str) -> str:
    if regex:
        try:
            re.compile(regex)
        except re.error as err:
            raise ValueError(f"Invalid regex: {regex}") from err
    return regex


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Coercing(BaseModel):
    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)


class TopologyRequirement(_Model):  # OSMO's has no number coercion (its own config)
    key: str
    """A topology key of the pool (e.g. a rack or NVLink domain label)."""
    group: str = "default"
    """Tasks of the same group value are placed within one topology domain."""
    requirementType: Literal["required", "preferred"] = "required"
    """Whether the placement is mandatory."""


class ResourceSpec(_Coercing):
    cpu: int | None = None
    """CPU cores per task (integers only)."""
    gpu: int | None = None
    """GPUs per task."""
    memory: str | None = None
    """Memory per task (`8Gi`; every unit is binary, unitless means bytes)."""
    storage: str | None = None
    """Ephemeral storage per task, same units as memory."""
    platform: str | None = None
    """Platform of the pool; filled from the pool's default platform when omitted."""
    nodesExcluded: list[str] = Field(default_factory=empty_list)
    """Node names the task must not be placed on."""
    topology: list[TopologyRequirement] = Field(default_factory=empty_list)
    """Topology placement requirements."""

    @field_validator("memory", "storage")
    @classmethod
    def _quantity(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        error = quantity_unit_error(str(info.field_name), value)
        if error:
            raise ValueError(error)
        parse_quantity(value, str(info.field_name))  # bounded: `9` * 30 bytes is no quantity
        return normalise_quantity(value)


class TimeoutSpec(_Model):
    exec_timeout: Duration | None = None
    """Longest a group may run, from its start; pool default when omitted."""
    queue_timeout: Duration | None = None
    """Longest a group may wait to be scheduled; pool default when omitted."""

    @field_validator("exec_timeout", "queue_timeout", mode="before")
    @classmethod
    def _bool_is_seconds(cls, value: Any) -> Any:
        # OSMO's validate_timeout tests isinstance(value, (int, float)) first, so a YAML boolean
        # is 1 or 0 seconds there (and 0 means "use the pool default"), not an error.
        return int(value) if isinstance(value, bool) else value


class TaskInput(_Coercing):
    task: str
    """`<task>` of this workflow (a dependency) or `<workflow_id>:<task>` of an earlier one."""
    regex: str = ""
    """Only files whose path matches are downloaded."""

    _regex = field_validator("regex")(_check_regex)


class URLInput(_Coercing):
    url: str
    """Object-storage URL to download into `/osmo/data/input/<i>`."""
    regex: str = ""
    """Only files whose path matches are downloaded."""

    _regex = field_validator("regex")(_check_regex)


class URLOutput(_Coercing):
    url: str
    """Object-storage URL the task's output directory is uploaded to."""
    regex: str = ""
    """Only files whose path matches are uploaded."""

    _regex = field_validator("regex")(_check_regex)


class CheckpointSpec(_Coercing):
    path: str
    """Directory in the container to checkpoint (a leading `/` is added if missing)."""
    url: Annotated[str, StringConstraints(pattern=STORAGE_BACKEND_PATTERN)]
    """Object-storage URL the directory is uploaded to."""
    frequency: Annotated[Duration, BeforeValidator(_check_frequency)]
    """How often to upload: a YAML number of seconds or an OSMO duration string."""
    regex: str = ""
    """Only files whose path matches are uploaded."""

    _regex = field_validator("regex")(_check_regex)

    @field_validator("path")
    @classmethod
    def _absolute(cls, path: str) -> str:
        return path if path.startswith("/") else "/" + path


class FileSpec(_Coercing):
    base64: bool = False
    """True when `contents` is already base64 (binary files)."""
    path: str
    """Absolute destination path in the container."""
    contents: str
    """The file's text (`localpath` is read into this before validation)."""

    @field_validator("path")
    @classmethod
    def _allowed_path(cls, path: str) -> str:
        if path.startswith("/osmo/data/output/"):
            return path
        parts = [p for p in path.split("/") if p]
        if not parts or parts[0] == "osmo":
            raise ValueError(f'Empty path or adding file to "/osmo" is forbidden for file: {path}')
        return path


class TaskKPI(_Coercing):
    index: str
    """KPI name."""
    path: str
    """File under the output directory holding the KPI."""


class TaskSpec(_Coercing):
    name: NameStr
    """Task name (a letter first, letters/digits last, `-`/`_` inside)."""
    image: str
    """Container image."""
    command: list[str]
    """Command run directly (no shell); replaces the image entrypoint."""
    inputs: list[TaskInput | URLInput] = Field(default_factory=empty_list)
    """Task outputs or URLs downloaded into `/osmo/data/input/<i>`."""
    outputs: list[URLOutput] = Field(default_factory=empty_list)
    """URLs the output directory is uploaded to."""
    kpis: list[TaskKPI] = Field(default_factory=empty_list)
    """KPI files uploaded from the output directory."""
    args: list[str] = Field(default_factory=empty_list)
    """Arguments appended to `command`."""
    lead: bool = False
    """The lead task ends its group; forced for a single-task group."""
    environment: dict[str, str] = Field(default_factory=empty_dict)
    """Environment variables (scalars coerced to strings)."""
    files: list[FileSpec] = Field(default_factory=empty_list)
    """Files written into the container before the command starts."""
    privileged: bool = False
    """Privileged container (the platform must allow it)."""
    hostNetwork: bool = False
    """Host network (the platform must allow it)."""
    volumeMounts: list[str] = Field(default_factory=empty_list)
    """Host mounts `/src` or `/src:/dst` (the platform must allow them)."""
    credentials: dict[str, str | dict[str, str]] = Field(default_factory=empty_dict)
    """Generic credentials: a directory to mount every key into, or ENV → key."""
    downloadType: Literal["download"] | None = None
    """How inputs are fetched; only `download` exists."""
    cacheSize: str | None = None
    """Input cache size for pod templates."""
    exitActions: dict[str, str] = Field(default_factory=empty_dict)
    """COMPLETE / FAIL / RESCHEDULE → exit-code ranges (`0,1-10,16`)."""
    checkpoint: list[CheckpointSpec] = Field(default_factory=empty_list)
    """Directories uploaded periodically while the task runs."""
    resources: ResourceSpec = Field(default_factory=ResourceSpec)
    """Replaced by `workflow.resources[resource]` when the workflow is parsed."""
    backend: str = ""
    """Internal: the pool's backend."""
    resource: str = "default"
    """Name of the entry of `workflow.resources` this task uses."""

    @field_validator("downloadType", mode="before")
    @classmethod
    def _download_type(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None or value == "download":
            return value
        name = info.data.get("name", "")
        if not isinstance(value, str):
            kind = type(value).__name__
            raise ValueError(f'Task "{name}" has unsupported downloadType type: {kind}')
        raise ValueError(
            f'Task "{name}" uses invalid downloadType "{value}". Valid types are: [\'download\']'
        )

    @field_validator("name")
    @classmethod
    def _not_ctrl(cls, name: str) -> str:
        if k8s_name(name[:63].rstrip("-_")) == "osmo-ctrl":
            raise ValueError(
                f'Container {name} cannot be named "osmo-ctrl". This is a restricted name.'
            )
        return name

    @field_validator("command")
    @classmethod
    def _command(cls, command: list[str], info: ValidationInfo) -> list[str]:
        if not command:
            name = info.data.get("name", "")
            raise ValueError(f"Container {name} should have at least one command.")
        return command

    @field_validator("files")
    @classmethod
    def _unique_files(cls, files: list[FileSpec], info: ValidationInfo) -> list[FileSpec]:
        seen: set[str] = set()
        for file in files:
            if file.path in seen:
                raise ValueError(
                    f'Task "{info.data.get("name", "")}" has multiple files at the same path '
                    f'"{file.path}". Each file path must be unique.'
                )
            seen.add(file.path)
        return files

    @field_validator("environment", "exitActions", mode="before")
    @classmethod
    def _coerce_bools(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {str(k): _scalar_to_str(v) for k, v in value.items()}
        return value

    @field_validator("credentials", mode="before")
    @classmethod
    def _credentials(cls, value: Any) -> Any:
        """OSMO's `coerce_credential_values`, messages included; a bare string is left for the
        dict type check, as OSMO leaves it."""
        if isinstance(value, str):
            return value
        if not isinstance(value, dict):
            raise ValueError(f"credentials must be a str or dict, got {type(value).__name__}")
        return {str(name): _credential(name, inner) for name, inner in value.items()}

    @field_validator("exitActions")
    @classmethod
    def _exit_actions(cls, actions: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        name = info.data.get("name", "")
        for key, codes in actions.items():
            if key.upper() not in EXIT_ACTIONS:
                raise ValueError(f"Invalid exit action {key} for task {name}.")
            if not EXIT_CODES_REGEX.fullmatch(codes):
                raise ValueError(f"Invalid exit codes {codes} for action {key} for task {name}.")
        return actions


def _credential(name: Any, value: Any) -> str | dict[str, str]:
    """One credential: a mount directory (scalar) or ENV → key (a map of scalars)."""
    if isinstance(value, dict):
        for env, key in value.items():
            if not _is_scalar(key):
                raise ValueError(
                    f"credential key mapping value for {name}.{env} must be a scalar, "
                    f"got {type(key).__name__}"
                )
        return {str(env): str(key) for env, key in value.items()}
    if _is_scalar(value):
        return str(value)
    raise ValueError(
        f"credential value for {name} must be a str or dict, got {type(value).__name__}"
    )


class GroupSpec(_Model):
    name: NameStr
    """Group name; tasks of a group are scheduled together."""
    tasks: list[TaskSpec]
    """The group's tasks; exactly one is the lead."""
    barrier: bool = True
    """Commands start together once every task has its inputs (only with >1 task)."""
    ignoreNonleadStatus: bool = True
    """When true a failing non-lead task does not fail the group."""

    @model_validator(mode="after")
    def _single_task_leads(self) -> GroupSpec:
        # OSMO forces the only task of a group to be its lead, even if `lead: false` was written.
        if len(self.tasks) == 1:
            self.tasks[0].lead = True
        return self


class WorkflowSpec(_Model):
    name: NameStr
    """Workflow name; the run id is `<name>-<n>`."""
    tasks: list[TaskSpec] = Field(default_factory=empty_list)
    """Serial-style tasks: each becomes a group named `<task>-group`."""
    groups: list[GroupSpec] = Field(default_factory=empty_list)
    """Groups of tasks; a group starts when every upstream group COMPLETED."""
    resources: dict[str, ResourceSpec] = Field(default_factory=lambda: {"default": ResourceSpec()})
    """Named resource specs tasks refer to by `resource` (`default` when not named)."""
    timeout: TimeoutSpec | None = None
    """exec/queue timeouts; filled from the pool when omitted."""

    @field_validator("timeout", mode="before")
    @classmethod
    def _timeout_not_null(cls, value: Any) -> Any:
        # None here means "omitted"; OSMO's field is a TimeoutSpec, so `timeout:` left null fails
        if value is None:
            raise PydanticCustomError(
                "model_type", "Input should be a valid dictionary or instance of TimeoutSpec"
            )
        return value

    labels: dict[str, str] = Field(default_factory=empty_dict)
    """Kubernetes labels put on every task pod (at most 16)."""
    pool: str = ""
    """Accepted but ignored: the pool comes from the command line."""
    backend: str = ""
    """Internal: the pool's backend."""

    def all_tasks(self) -> list[TaskSpec]:
        """Every task, in groups order (or `tasks` order before conversion)."""
        return [t for g in self.groups for t in g.tasks] + list(self.tasks)


class VersionedWorkflowSpec(_Model):
    version: int = 2
    """Only version 2 exists; the key is dropped while rendering."""
    workflow: WorkflowSpec
    """The workflow."""
