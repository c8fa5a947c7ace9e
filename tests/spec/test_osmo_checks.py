"""OSMO's submit-time checks of issue 17, each on the inputs of the OSMO unit test it follows.

The OSMO tests named in each docstring are in NVIDIA/OSMO (commit 1da31e19e): the workflows here
are written from their inputs, and every error keeps its `file:line:col`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.spec.helpers import errors, load, located, task, wf

# -- field shapes: OSMO's own words instead of pydantic's -------------------------------------


@pytest.mark.parametrize(
    ("value", "kind"), [("42", "int"), ("1.5", "float"), ("true", "bool"), ("[download]", "list")]
)
def test_download_type_of_the_wrong_type(tmp_path: Path, value: str, kind: str) -> None:
    """test_task.py test_invalid_download_type_python_type_raises (downloadType=42)."""
    text = wf(task(extra=f"downloadType: {value}"))
    message = f'Task "t1" has unsupported downloadType type: {kind}'
    assert located(tmp_path, text) == [(7, 19, message)]


def test_download_type_values(tmp_path: Path) -> None:
    """test_task.py test_invalid_download_type_raises / test_valid_download_type_string..."""
    assert errors(tmp_path, wf(task(extra="downloadType: not-a-real-type"))) == [
        'Task "t1" uses invalid downloadType "not-a-real-type". Valid types are: [\'download\']'
    ]
    loaded = load(tmp_path, wf(task(extra="downloadType: download")))
    assert loaded.spec.groups[0].tasks[0].downloadType == "download"


@pytest.mark.parametrize(
    ("credentials", "message", "where"),
    [
        # test_credentials_nested_none_value_raises: {'cred1': {'KEY': None}}
        (
            "{cred1: {KEY: null}}",
            "credential key mapping value for cred1.KEY must be a scalar, got NoneType",
            (7, 18),
        ),
        (
            "{cred1: {KEY: [a]}}",
            "credential key mapping value for cred1.KEY must be a scalar, got list",
            (7, 18),
        ),
        # test_credentials_invalid_outer_value_raises: {'cred1': None}
        (
            "{cred1: null}",
            "credential value for cred1 must be a str or dict, got NoneType",
            (7, 18),
        ),
        ("{cred1: [a, b]}", "credential value for cred1 must be a str or dict, got list", (7, 18)),
        # test_credentials_outer_list_raises: ['not-a-dict-or-str']
        ("[not-a-dict-or-str]", "credentials must be a str or dict, got list", (7, 18)),
    ],
)
def test_credential_shapes(
    tmp_path: Path, credentials: str, message: str, where: tuple[int, int]
) -> None:
    text = wf(task(extra=f"credentials: {credentials}"))
    assert located(tmp_path, text) == [(*where, message)]


def test_credential_scalars_are_coerced(tmp_path: Path) -> None:
    """test_credentials_int_value_coerced, test_credentials_nested_bool_value_coerced,
    test_credentials_str_value_passthrough."""
    text = wf(task(extra="credentials: {cred1: 42, cred2: {KEY: true}, cred3: /mnt/secret}"))
    spec = load(tmp_path, text).spec.groups[0].tasks[0]
    assert spec.credentials == {"cred1": "42", "cred2": {"KEY": "True"}, "cred3": "/mnt/secret"}


def test_credentials_as_a_string_fail_the_dict_type(tmp_path: Path) -> None:
    """OSMO's validator passes a bare string through; pydantic's dict check then refuses it."""
    (message,) = errors(tmp_path, wf(task(extra="credentials: /mnt/secret")))
    assert message == "workflow.tasks.0.credentials: Input should be a valid dictionary"


def test_environment_keys_and_scalars_are_coerced(tmp_path: Path) -> None:
    """test_environment_bool_value_coerced_to_string / ..._int_value_coerced_to_string."""
    text = wf(task(extra="environment: {DEBUG: true, COUNT: 42, 7: x}"))
    spec = load(tmp_path, text).spec.groups[0].tasks[0]
    assert spec.environment == {"DEBUG": "True", "COUNT": "42", "7": "x"}


CHECKPOINT = "checkpoint: [{{path: /ck, url: '{url}', frequency: {frequency}}}]"


@pytest.mark.parametrize("frequency", ["true", "false"])
def test_checkpoint_frequency_boolean(tmp_path: Path, frequency: str) -> None:
    """test_task.py test_frequency_bool_raises (frequency=True)."""
    text = wf(task(extra=CHECKPOINT.format(url="s3://bucket/key", frequency=frequency)))
    message = "Checkpoint frequency must be a duration, not a boolean"
    assert located(tmp_path, text) == [(7, 65, message)]


@pytest.mark.parametrize(("frequency", "seconds"), [("30", 30), ("1.5", 1.5), ("30s", 30)])
def test_checkpoint_frequency_numbers_and_durations(
    tmp_path: Path, frequency: str, seconds: float
) -> None:
    """test_frequency_int/float_converts_to_timedelta_seconds, ..._string_converts_via_to_timedelta."""
    from simulator.common.units import parse_duration

    text = wf(task(extra=CHECKPOINT.format(url="s3://bucket/key", frequency=frequency)))
    checkpoint = load(tmp_path, text).spec.groups[0].tasks[0].checkpoint[0]
    assert parse_duration(checkpoint.frequency) == seconds


@pytest.mark.parametrize(
    ("url", "valid"),
    [
        ("swift://swift.example.com/AUTH_team/mycontainer/data", True),
        ("swift://swift.example.com/AUTH_team", False),  # needs namespace and container
        ("tos://tos-s3-cn-beijing.volces.com/my-bucket/data", True),
        ("tos://tos-s3-cn-beijing.volces.com", False),  # needs a bucket
        ("azure://myaccount/mycontainer/data", True),
        ("azure://myaccount", False),  # needs a container
        ("gs://my-bucket", True),
        ("s3://my,bucket/data", False),
    ],
)
def test_checkpoint_url_is_osmo_storage_regex(tmp_path: Path, url: str, valid: bool) -> None:
    """The checkpoint URL pattern is OSMO's STORAGE_BACKEND_REGEX (test_backends.py inputs)."""
    text = wf(task(extra=CHECKPOINT.format(url=url, frequency=30)))
    if valid:
        assert load(tmp_path, text).spec.groups[0].tasks[0].checkpoint[0].url == url
    else:
        (message,) = errors(tmp_path, text)
        assert message.startswith("workflow.tasks.0.checkpoint.0.url: String should match pattern")
        assert "^swift://[^/,;*]+(/[^/,;*]+){2,}/*$" in message


# -- tasks vs groups: OSMO's before validator, ahead of field errors ---------------------------

NEITHER = "Workflows need to have at least one group or one task."


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ("", (1, 1)),  # test_neither_tasks_nor_groups_raises: WorkflowSpec(name='wf')
        ("  tasks: []\n", (3, 3)),
        ("  tasks:\n", (3, 3)),  # a template loop that rendered nothing: `tasks: null`
        ("  groups: null\n  resources: {default: {cpu: x}}\n", (3, 3)),
    ],
)
def test_neither_groups_nor_tasks(tmp_path: Path, body: str, where: tuple[int, int]) -> None:
    text = "workflow:\n  name: wf\n" + body
    assert located(tmp_path, text) == [(*where, NEITHER)]


def test_template_that_renders_no_task(tmp_path: Path) -> None:
    text = (
        "default-values:\n  n: 0\nworkflow:\n  name: wf\n  tasks:\n"
        "  {% for i in range(n) %}\n  - {name: t{{i}}, image: u, command: [x]}\n  {% endfor %}\n"
    )
    assert errors(tmp_path, text) == [NEITHER]


def test_both_groups_and_tasks_before_field_errors(tmp_path: Path) -> None:
    """test_both_tasks_and_groups_raises; a bad field elsewhere is not reported (OSMO stops)."""
    text = (
        "workflow:\n  name: 'not a name'\n  tasks:\n  - {name: task1, image: img, command: [c]}\n"
        "  groups:\n  - name: group1\n    tasks:\n    - {name: task2, image: img, command: [c]}\n"
    )
    assert located(tmp_path, text) == [
        (3, 3, "Cannot use both groups and tasks in the same workflow.")
    ]


@pytest.mark.parametrize(
    ("body", "name", "line"),
    [
        # test_duplicate_task_names_raises
        (
            "  tasks:\n  - {name: task1, image: img, command: [c]}\n"
            "  - {name: task1, image: img, command: [c]}\n",
            "task1",
            5,
        ),
        # test_duplicate_names_case_insensitive_raises
        (
            "  tasks:\n  - {name: Task_1, image: img, command: [c]}\n"
            "  - {name: task-1, image: img, command: [c]}\n",
            "task-1",
            5,
        ),
        # test_duplicate_group_names_raises
        (
            "  groups:\n  - name: group1\n    tasks: [{name: task1, image: img, command: [c]}]\n"
            "  - name: group1\n    tasks: [{name: task2, image: img, command: [c]}]\n",
            "group1",
            6,
        ),
        # test_task_name_collides_with_group_name_raises
        (
            "  groups:\n  - name: shared\n    tasks: [{name: shared, image: img, command: [c]}]\n",
            "shared",
            5,
        ),
        # a field error elsewhere does not hide the duplicate (it runs first in OSMO)
        (
            "  tasks:\n  - {name: task1, image: 7, command: c}\n"
            "  - {name: task1, image: img, command: [c]}\n",
            "task1",
            5,
        ),
    ],
)
def test_duplicate_names_first(tmp_path: Path, body: str, name: str, line: int) -> None:
    from simulator.spec.checks import DUPLICATE_NAME

    (found,) = located(tmp_path, "workflow:\n  name: wf\n" + body)
    assert found[0] == line and found[2] == DUPLICATE_NAME.format(name)


def test_implicit_group_name_collides(tmp_path: Path) -> None:
    """After OSMO's parse, task `x` becomes group `x-group`: a task named so collides."""
    from simulator.spec.checks import DUPLICATE_NAME

    text = wf(task("x"), task("x-group"))
    assert located(tmp_path, text) == [(7, 11, DUPLICATE_NAME.format("x-group"))]


# -- template errors as OSMO surfaces them -----------------------------------------------------

TEMPLATE = "default-values:\n  n: 2\n  s: a\nworkflow:\n  name: wf\n  tasks:\n{body}"
ONE_TASK = "  - name: t\n    image: u\n    command: [echo, '{expr}']\n"


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        # TypeError is wrapped by TemplateSpec.load_template_with_variables (workflow.py:841)
        ("{{ n + s }}", "Jinja Template Error: unsupported operand type(s) for +: 'int' and 'str'"),
        ("{% for i in n %}x{% endfor %}", "Jinja Template Error: 'int' object is not iterable"),
        # Jinja's own errors are wrapped by the sandbox first (jinja_sandbox.py)
        (
            "{{ missing }}",
            "Jinja substitution failure: <class 'jinja2.exceptions.UndefinedError'>: "
            "'missing' is undefined",
        ),
        # anything else reaches the service's top-level handler (HTTP 500)
        ("{{ n / 0 }}", "Internal server error: division by zero"),
    ],
)
def test_template_errors_in_osmo_words(tmp_path: Path, expr: str, message: str) -> None:
    text = TEMPLATE.format(body=ONE_TASK.format(expr=expr))
    ((line, column, found),) = located(tmp_path, text)
    assert found == message
    assert line == 9 and column is not None


# -- topology keys: one set for every task that has requirements ------------------------------

TOPOLOGY_POOL = "topology_keys: [gpu-clique, zone]\n"
TOPOLOGY_WF = """\
workflow:
  name: wf
  resources:
    a: {{cpu: 1, topology: [{a}]}}
    b: {{cpu: 1, topology: [{b}]}}
  groups:
  - name: g
    tasks:
    - {{name: task1, image: u, command: [x], lead: true, resource: a}}
    - {{name: task2, image: u, command: [x], resource: b}}
"""


def _topology(tmp_path: Path, a: str, b: str) -> tuple[str, Path]:
    pool = tmp_path / "pool.yaml"
    pool.write_text(TOPOLOGY_POOL)
    return TOPOLOGY_WF.format(a=a, b=b), pool


def test_topology_keys_must_match(tmp_path: Path) -> None:
    """test_topology.py test_inconsistent_topology_keys_within_group: gpu-clique vs zone."""
    text, pool = _topology(tmp_path, "{key: gpu-clique, group: g1}", "{key: zone, group: g2}")
    message = (
        "Topology validation failed: All tasks must use the same topology keys. Found different "
        "key sets: ['gpu-clique', 'zone']. Either all tasks should have topology requirements "
        "with the same keys, or no tasks should have topology requirements."
    )
    assert located(tmp_path, text, pool_config=pool) == [(5, 17, message)]
    text, pool = _topology(tmp_path, "{key: zone}, {key: gpu-clique}", "{key: zone}")
    (message,) = errors(tmp_path, text, pool_config=pool)
    assert "Found different key sets: ['gpu-clique, zone', 'zone']." in message


def test_topology_same_keys_or_none_pass(tmp_path: Path) -> None:
    """test_mixed_topology_and_non_topology_same_group: a task without requirements is free;
    the same keys in another order are the same set."""
    text, pool = _topology(
        tmp_path, "{key: gpu-clique}, {key: zone}", "{key: zone}, {key: gpu-clique}"
    )
    assert load(tmp_path, text, pool_config=pool).spec.resources["b"].topology
    text = TOPOLOGY_WF.replace("topology: [{b}]", "gpu: 0").format(a="{key: gpu-clique}")
    assert load(tmp_path, text, pool_config=pool).spec.resources["a"].topology


# -- image references and storage URLs that do not parse --------------------------------------

VALID_IMAGES = [  # test_common.py test_docker_parse, every input
    "ubuntu",
    "ubuntu:22.04",
    "alpine",
    "alpine/curl",
    "alpine/curl:latest",
    "alpine/git",
    "nginx/nginx",
    "company/team/project",
    "localhost/image",
    "localhost/image:latest",
    "localhost:5000/image",
    "localhost:5000/org/image:v1",
    "gcr.io/project/image",
    "gcr.io/image/sub:latest",
    "nvcr.io/nvidia/pytorch:23.10-py3",
    "registry.example.com/org/image",
    "registry.example.com:5000/org/image:v1",
    "192.168.1.100:5000/myimage",
    "10.0.0.1:5000/org/image:v2",
    "docker:5000/image",
    "docker:32781/test_image",
    "registry:5000/org/image:v1",
    "myhost:8080/project/app:latest",
    "ubuntu@sha256:abc123def456",
    "ubuntu:22.04@sha256:abc123def456",
    "ubuntu:v",
]


def test_images_osmo_parses_are_accepted(tmp_path: Path) -> None:
    tasks = [task(f"t{i}", image=image) for i, image in enumerate(VALID_IMAGES)]
    pool = tmp_path / "pool.yaml"
    pool.write_text("max_num_tasks: 100\n")
    loaded = load(tmp_path, wf(*tasks), pool_config=pool)
    assert [t.image for g in loaded.spec.groups for t in g.tasks] == VALID_IMAGES


@pytest.mark.parametrize(
    "image",
    [
        "!!!invalid!!!",
        "Ubuntu:22.04",
        "ubuntu:",
        "nvcr.io/nvidia/pytorch:-bad",
        "ubuntu@sha256",
        "host:port/image",
        "a b",
    ],
)
def test_unparseable_image(tmp_path: Path, image: str) -> None:
    """test_common.py TestDockerParseInvalid (`!!!invalid!!!`) and other shapes."""
    text = wf(task(image=f"'{image}'"))
    message = f"Could not parse docker image {image}. Please provide a valid image."
    assert located(tmp_path, text) == [(5, 12, message)]


@pytest.mark.parametrize(
    ("url", "message"),
    [  # test_backends.py ConstructStorageBackendTest, every refusal, and https
        ("ftp://host/path", "Unknown URI scheme: ftp"),
        ("https://example.com/data", "Unknown URI scheme: https"),
        ("bucket/path", "Unknown URI scheme: "),
        (
            "swift://swift.example.com/AUTH_team",
            "Incorrectly formatted Swift URI: swift://swift.example.com/AUTH_team",
        ),
        ("s3://my,bucket/data", "Incorrectly formatted S3 URI: s3://my,bucket/data"),
        ("gs://my,bucket/data", "Incorrectly formatted GS URI: gs://my,bucket/data"),
        (
            "tos://tos-s3-cn-beijing.volces.com",
            "Incorrectly formatted TOS URI: tos://tos-s3-cn-beijing.volces.com",
        ),
        ("azure://myaccount", "Incorrectly formatted Azure URI: azure://myaccount"),
        ("S3://bucket/data", "Incorrectly formatted S3 URI: S3://bucket/data"),
    ],
)
def test_unsupported_storage_urls(tmp_path: Path, url: str, message: str) -> None:
    text = wf(task(extra=f"inputs: [{{url: '{url}'}}]\noutputs: [{{url: '{url}'}}]"))
    expected = "Internal server error: " + message  # a bare OSMOError: HTTP 500 in OSMO
    assert located(tmp_path, text) == [(7, 20, expected), (8, 21, expected)]


@pytest.mark.parametrize(
    "url",
    [  # test_backends.py: the URLs each backend accepts
        "swift://swift.example.com/AUTH_team/mycontainer/data",
        "s3://my-bucket/data",
        "gs://my-bucket/data",
        "tos://tos-s3-cn-beijing.volces.com/my-bucket/data",
        "azure://myaccount/mycontainer/data",
        "s3://bucket",
    ],
)
def test_supported_storage_urls(tmp_path: Path, url: str) -> None:
    text = wf(task(extra=f"inputs: [{{url: '{url}'}}]\noutputs: [{{url: '{url}'}}]"))
    assert load(tmp_path, text).spec.groups[0].tasks[0].outputs[0].url == url


# -- the pool's default platform ---------------------------------------------------------------


@pytest.mark.parametrize("default", [None, "gpu"])
def test_pool_default_platform_missing(tmp_path: Path, default: str | None) -> None:
    """test_workflow_units.py test_parse_rejects_resource_without_platform_when_pool_has_no_default
    and test_parse_rejects_pool_default_platform_missing_from_platforms (default 'gpu', platforms
    {'cpu'}); a resource naming its platform is unaffected."""
    from simulator.pool.config import load_pool

    built = load_pool(None)
    pool = built.model_copy(update={"default_platform": default})
    text = wf(task(), head="  resources:\n    default: {cpu: 1}\n    named: {platform: %s}\n")
    text = text % built.default_platform
    assert located(tmp_path, text, pool=pool) == [
        (4, 5, "Resource default does not have a platform!")
    ]


# -- checks OSMO does not make ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "seconds"), [("true", 1.0), ("false", None), ("0", None), ("0s", None)]
)
def test_timeouts_take_booleans_and_zero_means_default(
    tmp_path: Path, value: str, seconds: float | None
) -> None:
    """OSMO's TimeoutSpec.validate_timeout reads a boolean as seconds (True is 1 s), and
    fill_defaults replaces a zero timeout by the pool default (`if not self.exec_timeout`)."""
    from simulator.common.units import parse_duration

    loaded = load(tmp_path, wf(task(), head=f"  timeout: {{exec_timeout: {value}}}\n"))
    assert loaded.spec.timeout is not None
    got = parse_duration(loaded.spec.timeout.exec_timeout)
    expected = parse_duration(loaded.pool.default_exec_timeout) if seconds is None else seconds
    assert got == expected


def test_empty_labels_key_is_refused(tmp_path: Path) -> None:
    """OSMO's construct_workflow_dict validates `labels` whenever the key is present: a null
    value is not a map (osmo-tui used to skip it)."""
    text = wf(task(), head="  labels:\n")
    message = "Workflow labels must be a map of string keys to string values."
    assert located(tmp_path, text) == [(3, 10, message)]
    assert load(tmp_path, wf(task())).spec.labels == {}


@pytest.mark.parametrize(
    ("value", "message"),
    [  # postgres.py ResourceSpec.validate_unit_value: no match is a bad value, else a bad unit
        ("abc", "Resource memory field has invalid value abc"),
        ("10 Gi", "Resource memory field has invalid value 10 Gi"),
        ("-5Gi", "Resource memory field has invalid value -5Gi"),
        ("1.5.2Gi", "Resource memory field has invalid value 1.5.2Gi"),
        ("Gi", "Resource memory field has invalid value Gi"),
        ("10XB", "Resource memory field has invalid unit: XB"),
    ],
)
def test_quantity_value_and_unit(tmp_path: Path, value: str, message: str) -> None:
    text = wf(task(), head=f"  resources:\n    default: {{memory: '{value}'}}\n")
    assert located(tmp_path, text) == [(4, 23, message)]


def test_fields_without_coercion_or_null(tmp_path: Path) -> None:
    """OSMO's TopologyRequirement has its own config (no number coercion) and WorkflowSpec's
    `timeout` is a TimeoutSpec, so `key: 5` and `timeout:` left null fail there too."""
    text = wf(task(), head="  timeout:\n  resources:\n    default: {topology: [{key: 5}]}\n")
    assert located(tmp_path, text) == [
        (3, 11, "workflow.timeout: Input should be a valid dictionary or instance of TimeoutSpec"),
        (5, 32, "workflow.resources.default.topology.0.key: Input should be a valid string"),
    ]


@pytest.mark.parametrize(
    ("mount", "message"),
    [  # task.py validate_privilege_host_mount: only `a:b:c` and `a:` are malformed
        ("/a:/b:/c", "Invalid task volume mount: /a:/b:/c."),
        ("/data:", "Invalid task volume mount: /data:."),
        (":/dst", "Task with platform: {p} does not allow mount: . Task t1"),
        ("", "Task with platform: {p} does not allow mount: . Task t1"),
    ],
)
def test_volume_mount_syntax(tmp_path: Path, mount: str, message: str) -> None:
    loaded_pool = load(tmp_path, wf(task())).pool
    text = wf(task(extra=f"volumeMounts: ['{mount}']"))
    assert errors(tmp_path, text) == [message.format(p=loaded_pool.default_platform)]
