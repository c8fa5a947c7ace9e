"""SPEC §14 E1-E35 (and E53, E55): each edge case with OSMO's exact behaviour and message."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.common.units import parse_duration
from simulator.errors import UsageError
from simulator.spec.loader import LoadedWorkflow
from simulator.spec.models import TaskSpec
from simulator.spec.submission import Submission
from simulator.spec.tokens import substitute_tokens
from tests.spec.helpers import errors, load, located, task, wf

UNDEFINED = "Jinja substitution failure: <class 'jinja2.exceptions.UndefinedError'>: "
SYNTAX = "Jinja substitution failure: <class 'jinja2.exceptions.TemplateSyntaxError'>: "
DUP = (
    'Multiple tasks/groups have the same name: "{}". Note that names are not case sensitive and '
    'we consider "-" and "_" the same. For example, "Group_1" and "group-1" are considered the '
    "same name."
)

# -- parsing & templating ---------------------------------------------------------------------


def test_e1_unknown_top_level_key(tmp_path: Path) -> None:
    text = wf(task()) + "foo: 1\n"
    assert located(tmp_path, text) == [
        (7, 1, 'Unknown top-level key "foo" found in the workflow spec.')
    ]


def test_e1_first_key_name_is_unknown(tmp_path: Path) -> None:
    assert errors(tmp_path, "name: x\nworkflow:\n  name: x\n") == [
        'Unknown top-level key "name" found in the workflow spec.'
    ]


def test_no_workflow_section(tmp_path: Path) -> None:
    assert errors(tmp_path, "# only a comment\n") == ["Workflow spec not found."]


def test_e2_duplicate_workflow(tmp_path: Path) -> None:
    text = wf(task()) + wf(task())
    assert located(tmp_path, text) == [
        (7, 1, 'Duplicate top-level key "workflow" found in the workflow spec.')
    ]


def test_e3_version_1_accepted(tmp_path: Path) -> None:
    assert load(tmp_path, "version: 1\n" + wf(task())).spec.name == "wf"


def test_leading_document_marker_and_comments(tmp_path: Path) -> None:
    assert load(tmp_path, "---\n# hi\n" + wf(task())).spec.groups[0].name == "t1-group"


def test_e4_undefined_variable(tmp_path: Path) -> None:
    text = wf(task(extra="outputs: [{url: '{{ storage_url }}/x'}]"))
    assert located(tmp_path, text) == [(7, 25, UNDEFINED + "'storage_url' is undefined")]
    loaded = load(tmp_path, text, set_values=["storage_url=s3://b"])
    assert loaded.spec.groups[0].tasks[0].outputs[0].url == "s3://b/x"


def test_e5_spaced_output_is_a_jinja_variable(tmp_path: Path) -> None:
    text = wf(task(extra="args: ['echo {{ output }}']"))
    assert errors(tmp_path, text) == [UNDEFINED + "'output' is undefined"]
    loaded = load(tmp_path, wf(task(extra="args: ['echo {{output}}']")))
    assert loaded.spec.groups[0].tasks[0].args == ["echo {{output}}"]
    with_default = text + "default-values:\n  output: /silently/used\n"
    loaded = load(tmp_path, with_default)
    assert loaded.spec.groups[0].tasks[0].args == ["echo /silently/used"]


def test_e6_set_typing(tmp_path: Path) -> None:
    text = wf(task(extra="environment: {V: '{{ ver }}'}"))
    loaded = load(tmp_path, text, set_values=["ver=1.10"])
    assert loaded.spec.groups[0].tasks[0].environment == {"V": "1.1"}
    loaded = load(tmp_path, text, set_strings=["ver=1.10"])
    assert loaded.spec.groups[0].tasks[0].environment == {"V": "1.10"}
    loaded = load(tmp_path, text, set_values=["ver=a=b"])
    assert loaded.spec.groups[0].tasks[0].environment == {"V": "a=b"}
    named = "workflow:\n  name: {{wf}}\n  tasks:\n" + task()
    assert errors(tmp_path, named, set_values=["wf=007"]) == [
        "workflow.name: Input should be a valid string"
    ]
    assert load(tmp_path, named, set_strings=["wf=w007"]).spec.name == "w007"


def test_e7_bash_length_breaks_rendering(tmp_path: Path) -> None:
    text = wf(task(extra="args: ['arr=(a b); echo ${#arr[@]}']"))
    assert located(tmp_path, text) == [(7, 30, SYNTAX + "Missing end of comment tag")]


def test_e7_raw_does_not_survive_the_second_render(tmp_path: Path) -> None:
    text = wf(task(extra="args: ['{% raw %}echo ${#arr[@]}{% endraw %}']"))
    assert located(tmp_path, text) == [(7, 12, SYNTAX + "Missing end of comment tag")]


def test_e7_localpath_is_rendered_by_the_second_pass(tmp_path: Path) -> None:
    (tmp_path / "run.sh").write_text("echo {{ greeting }} {{output}}\n")
    text = wf(task(extra="files: [{path: /tmp/run.sh, localpath: run.sh}]"))
    loaded = load(tmp_path, text, set_values=["greeting=hello"])
    assert loaded.spec.groups[0].tasks[0].files[0].contents == "echo hello {{output}}\n"
    assert tmp_path / "run.sh" in loaded.dependencies
    assert errors(tmp_path, text) == [UNDEFINED + "'greeting' is undefined"]


def test_e8_later_set_wins_and_set_string_beats_set(tmp_path: Path) -> None:
    text = wf(task(extra="environment: {V: '{{ v }}'}"))
    loaded = load(tmp_path, text, set_values=["v=1", "v=2"])
    assert loaded.spec.groups[0].tasks[0].environment == {"V": "2"}
    loaded = load(tmp_path, text, set_values=["v=3"], set_strings=["v=text"])
    assert loaded.spec.groups[0].tasks[0].environment == {"V": "text"}


def test_set_without_equals_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="Data novalue is incorrectly formatted"):
        load(tmp_path, wf(task()), set_values=["novalue"])


LOOP = """
workflow:
  name: wf
  groups:
  - name: g
    tasks:
{%- for item in range(3) %}
    - name: t{{ item }}
      image: ubuntu
      command: [echo]
      lead: {{ item == 0 }}
{%- endfor %}
"""


def test_e10_loop_with_one_lead(tmp_path: Path) -> None:
    loaded = load(tmp_path, LOOP)
    assert [t.lead for t in loaded.spec.groups[0].tasks] == [True, False, False]
    two = LOOP.replace("{{ item == 0 }}", "{{ item < 2 }}")
    assert errors(tmp_path, two) == ['Group "g" has 2 leader(s) but must have exactly one.']
    none = LOOP.replace("{{ item == 0 }}", "false")
    assert errors(tmp_path, none) == ['Group "g" has 0 leader(s) but must have exactly one.']


# -- schema -----------------------------------------------------------------------------------


def test_e11_command(tmp_path: Path) -> None:
    text = "workflow:\n  name: wf\n  tasks:\n  - name: t1\n    image: u\n    command: echo\n"
    assert located(tmp_path, text) == [
        (6, 14, "workflow.tasks.0.command: Input should be a valid list")
    ]
    empty = text.replace("command: echo", "command: []")
    assert errors(tmp_path, empty) == ["Container t1 should have at least one command."]


def test_e12_tasks_and_groups(tmp_path: Path) -> None:
    both = (
        wf(task())
        + "  groups:\n  - name: g\n    tasks:\n    - {name: t2, image: u, command: [x]}\n"
    )
    assert errors(tmp_path, both) == ["Cannot use both groups and tasks in the same workflow."]
    assert errors(tmp_path, "workflow:\n  name: wf\n") == [
        "Workflows need to have at least one group or one task."
    ]


def test_empty_group(tmp_path: Path) -> None:
    text = "workflow:\n  name: wf\n  groups:\n  - name: g\n    tasks: []\n"
    assert errors(tmp_path, text) == ['Group "g" needs to have at least one task.']


def test_e13_names_are_case_and_underscore_insensitive(tmp_path: Path) -> None:
    assert errors(tmp_path, wf(task("Prep_Data"), task("prep-data"))) == [DUP.format("prep-data")]
    text = "workflow:\n  name: wf\n  groups:\n  - name: t1\n    tasks:\n    - {name: t1, image: u, command: [x]}\n"
    assert errors(tmp_path, text) == [DUP.format("t1")]


def test_name_pattern(tmp_path: Path) -> None:
    assert errors(tmp_path, wf(task("1bad"))) == [
        "workflow.tasks.0.name: String should match pattern '^[a-zA-Z]([a-zA-Z0-9_-]*[a-zA-Z0-9])?$'"
    ]


def test_name_length(tmp_path: Path) -> None:
    long = "a" * 65
    assert sorted(errors(tmp_path, wf(task(long)))) == [
        f"Name {long} is too long. It must be 64 characters or less.",
        f"Name {long}-group is too long. It must be 64 characters or less.",
    ]


def test_e14_osmo_ctrl_is_reserved(tmp_path: Path) -> None:
    for name in ("osmo_ctrl", "osmo-ctrl", "OSMO-CTRL"):
        assert errors(tmp_path, wf(task(name))) == [
            f'Container {name} cannot be named "osmo-ctrl". This is a restricted name.'
        ]


def test_e15_single_task_group_forces_lead(tmp_path: Path) -> None:
    loaded = load(tmp_path, wf(task(extra="lead: false")))
    assert loaded.spec.groups[0].tasks[0].lead is True


def test_bools_are_lax(tmp_path: Path) -> None:
    text = "workflow:\n  name: wf\n  groups:\n  - name: g\n    barrier: 'yes'\n    tasks:\n    - {name: t, image: u, command: [x], lead: 'true'}\n"
    assert load(tmp_path, text).spec.groups[0].barrier is True


def test_e16_exit_actions(tmp_path: Path) -> None:
    loaded = load(tmp_path, wf(task(extra="exitActions: {complete: 3, FAIL: '10-1'}")))
    assert loaded.spec.groups[0].tasks[0].exitActions == {"complete": "3", "FAIL": "10-1"}
    assert errors(tmp_path, wf(task(extra="exitActions: {COMPLETE: '1, 2'}"))) == [
        "Invalid exit codes 1, 2 for action COMPLETE for task t1."
    ]
    assert errors(tmp_path, wf(task(extra="exitActions: {RESTART: 1}"))) == [
        "Invalid exit action RESTART for task t1."
    ]


def test_e17_files(tmp_path: Path) -> None:
    assert errors(tmp_path, wf(task(extra="files: [{path: /osmo/x, contents: a}]"))) == [
        'Empty path or adding file to "/osmo" is forbidden for file: /osmo/x'
    ]
    load(tmp_path, wf(task(extra="files: [{path: /osmo/data/output/x, contents: a}]")))
    dup = "files: [{path: /a, contents: a}, {path: /a, contents: b}]"
    assert errors(tmp_path, wf(task(extra=dup))) == [
        'Task "t1" has multiple files at the same path "/a". Each file path must be unique.'
    ]
    both = "files: [{path: /a, contents: a, localpath: x.sh}]"
    assert errors(tmp_path, wf(task(extra=both))) == [
        "Files tag dont support contents and localpath together"
    ]
    missing = "files: [{path: /a, localpath: nope.sh}]"
    assert errors(tmp_path, wf(task(extra=missing))) == [
        f"The file/path {tmp_path / 'nope.sh'} does not exist!"
    ]


def test_e18_resources(tmp_path: Path) -> None:
    def res(body: str) -> str:
        return wf(task(), head=f"  resources:\n    default: {body}\n")

    assert errors(tmp_path, res("{cpu: 0.5}")) == [
        "workflow.resources.default.cpu: Input should be a valid integer, got a number with a "
        "fractional part"
    ]
    assert errors(tmp_path, res("{memory: 1GB}")) == ["Resource memory field has invalid unit: GB"]
    assert load(tmp_path, res("{memory: 1G}")).spec.resources["default"].memory == "1G"
    assert load(tmp_path, res("{storage: 1024}")).spec.resources["default"].storage == "1.0Ki"
    assert load(tmp_path, res("{cpu: '2'}")).spec.resources["default"].cpu == 2


@pytest.mark.parametrize("value", ["10h5m", "1.5h", '"90"', "2w"])
def test_e19_bad_durations(tmp_path: Path, value: str) -> None:
    shown = value.strip('"')
    assert errors(tmp_path, wf(task(), head=f"  timeout: {{exec_timeout: {value}}}\n")) == [
        f"Cannot recognize duration: {shown}. Only support ISO 8601 (e.g. PT10S) or xd, xh, xm, "
        "xs, xms, xus"
    ]


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("90", 90), ("PT1H30M", 5400), ("10m", 600), ("500ms", 0.5), ("3d", 259200)],
)
def test_e19_good_durations(tmp_path: Path, value: str, seconds: float) -> None:
    loaded = load(tmp_path, wf(task(), head=f"  timeout: {{exec_timeout: {value}}}\n"))
    assert loaded.spec.timeout is not None
    assert parse_duration(loaded.spec.timeout.exec_timeout) == seconds
    assert loaded.spec.timeout.queue_timeout == "60d"


def test_e20_checkpoint(tmp_path: Path) -> None:
    ok = "checkpoint: [{path: ck, url: 's3://b/c', frequency: 30}]"
    assert load(tmp_path, wf(task(extra=ok))).spec.groups[0].tasks[0].checkpoint[0].path == "/ck"
    bad = "checkpoint: [{path: /ck, url: 's3://b/c', frequency: '30'}]"
    assert errors(tmp_path, wf(task(extra=bad)))[0].startswith("Cannot recognize duration: 30.")
    http = "checkpoint: [{path: /ck, url: 'http://b/c', frequency: 30m}]"
    assert errors(tmp_path, wf(task(extra=http)))[0].startswith(
        "workflow.tasks.0.checkpoint.0.url: String should match pattern"
    )


def test_e21_dataset_inputs_and_task_outputs_rejected(tmp_path: Path) -> None:
    found = errors(tmp_path, wf(task(extra="inputs: [{dataset: {name: x}}]")))
    assert "workflow.tasks.0.inputs.0.dataset: Extra inputs are not permitted" in found
    found = errors(tmp_path, wf(task(extra="outputs: [{task: x}]")))
    assert "workflow.tasks.0.outputs.0.task: Extra inputs are not permitted" in found


def test_invalid_regex(tmp_path: Path) -> None:
    found = errors(tmp_path, wf(task(extra="inputs: [{url: 's3://x', regex: '(['}]")))
    assert "Invalid regex: ([" in found  # pydantic also lists why the TaskInput form fails


def test_download_type(tmp_path: Path) -> None:
    assert errors(tmp_path, wf(task(extra="downloadType: mount"))) == [
        'Task "t1" uses invalid downloadType "mount". Valid types are: [\'download\']'
    ]


def test_credentials(tmp_path: Path) -> None:
    loaded = load(
        tmp_path, wf(task(extra="credentials: {aws: /root/.aws, db: {PW: password, N: 1}}"))
    )
    assert loaded.spec.groups[0].tasks[0].credentials == {
        "aws": "/root/.aws",
        "db": {"PW": "password", "N": "1"},
    }
    assert errors(tmp_path, wf(task(extra="credentials: [a]"))) == [
        "credentials must be a str or dict, got list"
    ]


def test_e22_environment_coercion(tmp_path: Path) -> None:
    loaded = load(tmp_path, wf(task(extra="environment: {DEBUG: true, N: 3.0}")))
    assert loaded.spec.groups[0].tasks[0].environment == {"DEBUG": "True", "N": "3.0"}
    assert errors(tmp_path, wf(task(extra="args: [true]"))) == [
        "workflow.tasks.0.args.0: Input should be a valid string"
    ]
    assert errors(tmp_path, wf(task(extra="environment: {X: null}"))) == [
        "workflow.tasks.0.environment.X: Input should be a valid string"
    ]
    text = "workflow:\n  name: wf\n  tasks:\n  - {name: t1, image: u, command: [1, 2.5]}\n"
    assert load(tmp_path, text).spec.groups[0].tasks[0].command == ["1", "2.5"]


def test_e23_labels(tmp_path: Path) -> None:
    assert errors(tmp_path, wf(task(), head='  labels: {team: ""}\n')) == [
        'Workflow label value "" is not a valid non-empty Kubernetes label value.'
    ]
    many = "  labels: {" + ", ".join(f"k{i}: v" for i in range(17)) + "}\n"
    assert errors(tmp_path, wf(task(), head=many)) == ["Workflows can have at most 16 labels."]
    assert errors(tmp_path, wf(task(), head="  labels: {a: 3}\n")) == [
        "Workflow label values must be strings."
    ]
    assert load(tmp_path, wf(task(), head="  labels: {example.com/team: a.b_c}\n")).spec.labels


def test_e24_resources_binding(tmp_path: Path) -> None:
    text = wf(task(extra="resources: {cpu: 64}"), head="  resources:\n    default: {cpu: 1}\n")
    assert load(tmp_path, text).spec.groups[0].tasks[0].resources.cpu == 1
    assert load(tmp_path, wf(task())).spec.groups[0].tasks[0].resources.cpu is None
    no_default = wf(task(), head="  resources:\n    big: {cpu: 2}\n")
    assert errors(tmp_path, no_default) == [
        "Task t1 has no specified resource. Specify a default resource in the resources section."
    ]
    assert errors(tmp_path, wf(task(extra="resource: huge"))) == [
        "Requesting undefined resource huge."
    ]


def test_e25_workflow_pool_is_ignored(tmp_path: Path) -> None:
    loaded = load(tmp_path, wf(task(), head="  pool: other\n"))
    assert any("is ignored" in w.message for w in loaded.warnings)


# -- DAG --------------------------------------------------------------------------------------


def test_e26_consumer_listed_first(tmp_path: Path) -> None:
    text = wf(task("b", extra="inputs: [{task: a}]"), task("a"))
    assert located(tmp_path, text) == [
        (7, 21, 'Group "b-group" requires input group "a-group" exists before itself.')
    ]


def test_e27_same_group_dependency(tmp_path: Path) -> None:
    text = """
    workflow:
      name: wf
      groups:
      - name: g
        tasks:
        - {name: a, image: u, command: [x], lead: true}
        - {name: b, image: u, command: [x], inputs: [{task: a}]}
    """
    assert errors(tmp_path, text) == ['Group "g" requires input group "g" exists before itself.']
    self_dep = wf(task("a", extra="inputs: [{task: a}]"))
    assert errors(tmp_path, self_dep) == [
        'Group "a-group" requires input group "a-group" exists before itself.'
    ]


def test_e28_unknown_input(tmp_path: Path) -> None:
    assert errors(tmp_path, wf(task(extra="inputs: [{task: nope}]"))) == [
        "Task input nope does not exist."
    ]


def test_e29_implicit_group_name_collides(tmp_path: Path) -> None:
    assert errors(tmp_path, wf(task("a"), task("a-group"))) == [DUP.format("a-group")]


def test_e30_previous_workflow_input(tmp_path: Path) -> None:
    loaded = load(tmp_path, wf(task(extra="inputs: [{task: 'old-wf-3:train'}]")))
    assert any("earlier workflow" in w.message for w in loaded.warnings)
    assert loaded.spec.groups[0].tasks[0].inputs[0].task == "old-wf-3:train"  # type: ignore[union-attr]


def test_e32_task_count(tmp_path: Path) -> None:
    text = wf(*(task(f"t{i}") for i in range(21)))
    loaded = load(tmp_path, text)
    assert any("more than 20" in w.message for w in loaded.warnings)
    pool_file = tmp_path / "pool.yaml"
    pool_file.write_text("max_num_tasks: 20\n")
    assert errors(tmp_path, text, pool_config=pool_file) == [
        "Workflow cannot have more than 20 tasks."
    ]


# -- tokens -----------------------------------------------------------------------------------


def _sub(
    loaded: LoadedWorkflow, name: str, workflow_id: str = "wf-3"
) -> tuple[TaskSpec, list[str]]:
    for group in loaded.spec.groups:
        for t in group.tasks:
            if t.name == name:
                return substitute_tokens(
                    t, group=group, workflow_id=workflow_id, host_of=lambda n: f"{n}.svc"
                )
    raise KeyError(name)


def test_e33_input_tokens(tmp_path: Path) -> None:
    extra = "inputs: [{task: a}, {url: 's3://x'}]\nargs: ['{{input:1}} {{input:a}} {{input:2}}']"
    text = wf(task("a"), task("b", extra=extra))
    loaded = load(tmp_path, text)
    new, warnings = _sub(loaded, "b")
    assert new.args == ["/osmo/data/input/1 /osmo/data/input/0 {{input:2}}"]
    assert any("{{input:2}}" in w for w in warnings)
    assert any("{{input:2}}" in w.message for w in loaded.warnings)


def test_e34_host_tokens(tmp_path: Path) -> None:
    text = wf(task("server"), task("client", extra="args: ['{{host:server}}']"))
    new, warnings = _sub(load(tmp_path, text), "client")
    assert new.args == ["{{host:server}}"] and warnings
    grouped = """
    workflow:
      name: wf
      groups:
      - name: g
        tasks:
        - {name: server, image: u, command: [x], lead: true}
        - {name: client, image: u, command: [x], args: ['{{host:server}}', '{{host: server}}']}
    """
    new, warnings = _sub(load(tmp_path, grouped), "client")
    assert new.args == ["server.svc", "{{host: server}}"]
    assert warnings == [
        "Task client: token {{host: server}} is left as is: no spaces are allowed inside a token."
    ]


def test_e35_tokens_in_output_urls(tmp_path: Path) -> None:
    text = wf(task(extra="outputs: [{url: 's3://b/{{workflow_id}}/'}]\nargs: ['{{output}}']"))
    new, _ = _sub(load(tmp_path, text), "t1", workflow_id="wf-7")
    assert new.outputs[0].url == "s3://b/wf-7/"
    assert new.args == ["/osmo/data/output"]


def test_e53_unquoted_token_at_scalar_start(tmp_path: Path) -> None:
    found = errors(tmp_path, wf(task(extra="args: [{{output}}/result.txt]")))
    assert found[0].startswith(
        "Workflow spec is not properly formatted: while parsing a flow sequence"
    )
    loaded = load(tmp_path, wf(task(extra="args: ['{{output}}/result.txt']")))
    assert loaded.spec.groups[0].tasks[0].args == ["{{output}}/result.txt"]


def test_e54_host_token_for_a_resource_name_stays_literal(tmp_path: Path) -> None:
    text = """
    workflow:
      name: wf
      groups:
      - name: g
        tasks:
        - {name: run-server, image: u, command: [x]}
        - {name: client, image: u, command: [x], lead: true, args: ['{{host:nim-server}}']}
    """
    loaded = load(tmp_path, text)
    assert any("{{host:nim-server}}" in w.message for w in loaded.warnings)


def test_e55_nested_default_values_as_key(tmp_path: Path) -> None:
    extra = "credentials:\n  {{cred.name}}:\n    KEY: {{cred.key}}"
    text = wf(task(extra=extra)) + "default-values:\n  cred: {name: ngc-api-key, key: key}\n"
    loaded = load(tmp_path, text)
    assert loaded.spec.groups[0].tasks[0].credentials == {"ngc-api-key": {"KEY": "key"}}


def test_e9_set_env(tmp_path: Path) -> None:
    """OSMO's service: `A=b=c` sets A to `b`; existing keys keep their place, new ones follow."""
    text = wf(task(extra="environment: {A: x, B: y}"), task("t2"))
    loaded = load(tmp_path, text, submission=Submission(env=("A=b=c", "C=1")))
    assert list(loaded.spec.groups[0].tasks[0].environment.items()) == [
        ("A", "b"),
        ("B", "y"),
        ("C", "1"),
    ]
    assert loaded.spec.groups[1].tasks[0].environment == {"A": "b", "C": "1"}
    with pytest.raises(UsageError, match="Environment variable A is incorrectly formatted"):
        load(tmp_path, text, submission=Submission(env=("A",)))


def test_e31_a_task_without_inputs_waits_for_its_groups_upstream(tmp_path: Path) -> None:
    from simulator.spec.graph import graph_data, group_edges

    text = """
    workflow:
      name: wf
      groups:
      - name: G1
        tasks:
        - {name: task_2, image: u, command: [x]}
      - name: G3
        tasks:
        - {name: t5, image: u, command: [x], lead: true, inputs: [{task: task_2}]}
        - {name: t6, image: u, command: [x]}
    """
    loaded = load(tmp_path, text)
    assert group_edges(loaded.spec) == [("G1", "G3")]
    g3 = graph_data(loaded.spec, loaded.pool)["groups"][1]
    assert g3["upstream"] == ["G1"] and [t["name"] for t in g3["tasks"]] == ["t5", "t6"]


def test_model_names_in_messages_are_osmos(tmp_path: Path) -> None:
    text = "workflow:\n  name: wf\n  groups:\n  - g\n"
    assert errors(tmp_path, text) == [
        "workflow.groups.0: Input should be a valid dictionary or instance of TaskGroupSpec"
    ]
    assert errors(tmp_path, wf(task(extra="files: [x]"))) == [
        "workflow.tasks.0.files.0: Input should be a valid dictionary or instance of File"
    ]


def test_misspelt_keys_get_a_hint(tmp_path: Path) -> None:
    found = errors(tmp_path, wf(task(extra="enviroment: {A: b}\nbogus: 1")))
    assert found == [
        'workflow.tasks.0.enviroment: Extra inputs are not permitted (did you mean "environment"?)',
        "workflow.tasks.0.bogus: Extra inputs are not permitted",
    ]


def test_default_values_must_be_a_mapping(tmp_path: Path) -> None:
    for head in ("default-values:# no space before the comment\n", "default-values: [1, 2]\n"):
        assert located(tmp_path, head + wf(task())) == [
            (1, 1, "default-values must be a mapping of variable names to values.")
        ]
