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
    from simulator.spec.units import parse_duration

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
