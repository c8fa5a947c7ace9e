"""Errors point at the right line and column, also after Jinja rewrote the text."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from simulator.errors import SpecErrors
from simulator.spec.loader import load_workflow
from tests.spec.helpers import located, write


def test_location_survives_a_jinja_line_change(tmp_path: Path) -> None:
    text = """
    workflow:
      name: {{ name }}
      tasks:
      - name: t1
        image: {{ image }}
        command: [echo]
        lead: maybe
    default-values:
      name: wf
      image: ubuntu
    """
    assert located(tmp_path, text) == [
        (7, 11, "workflow.tasks.0.lead: Input should be a valid boolean, unable to interpret input")
    ]


def test_lines_after_a_loop_map_back(tmp_path: Path) -> None:
    text = """
    # comment
    workflow:
      name: wf
      groups:
      - name: g
        tasks:
    {%- for i in range(3) %}
        - {name: t{{ i }}, image: u, command: [x], lead: {{ i == 0 }}}
    {%- endfor %}
      - name: h
        tasks:
        - name: last
          image: u
          command: [x]
          bogus: 1
    """
    assert located(tmp_path, text) == [
        (15, 7, "workflow.groups.1.tasks.0.bogus: Extra inputs are not permitted")
    ]


def test_loop_lines_map_to_the_template_line(tmp_path: Path) -> None:
    text = """
    workflow:
      name: wf
      groups:
      - name: g
        tasks:
    {%- for i in range(3) %}
        - {name: t{{ i }}, image: u, command: [x], lead: {{ i == 0 }}, cpu: {{ i }}}
    {%- endfor %}
    """
    found = located(tmp_path, text)
    assert [(line, col) for line, col, _ in found] == [(7, 68)] * 3


def test_generated_lines_are_reported_in_rendered_spec(tmp_path: Path) -> None:
    text = """
    workflow:
      name: wf
      tasks:
    {{ body }}
    default-values:
      body: "  - name: t1\\n    image: u\\n    command: [x]\\n    bogus: 1"
    """
    path = write(tmp_path, text)
    try:
        load_workflow(path)
    except SpecErrors as exc:
        (error,) = exc.errors
    assert error.location is not None and error.location.rendered
    assert (error.location.line, error.location.column) == (7, 5)
    assert error.render().endswith(
        "(in rendered spec): workflow.tasks.0.bogus: Extra inputs are not permitted"
    )


def test_yaml_error_location(tmp_path: Path) -> None:
    text = "workflow:\n  name: wf\n  tasks:\n  - name: t1\n    image: [unclosed\n"
    ((line, _col, message),) = located(tmp_path, text)
    assert message.startswith("Workflow spec is not properly formatted:")
    assert line is not None and line >= 5


def test_missing_field_points_at_the_task(tmp_path: Path) -> None:
    text = "workflow:\n  name: wf\n  tasks:\n  - name: t1\n    command: [x]\n"
    assert located(tmp_path, text) == [(4, 5, "workflow.tasks.0.image: Field required")]


def test_runaway_template_is_refused_quickly(tmp_path: Path) -> None:
    loops = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
    start = time.monotonic()
    ((_line, _col, message),) = located(tmp_path, f"workflow:\n  name: wf\n{loops}\n")
    assert message == (
        "Jinja substitution failure: <class 'TimeoutError'>: "
        "Process exceeded time limit of 0.5 seconds"
    )
    assert time.monotonic() - start < 10
    ((_l, _c, message),) = located(tmp_path, "workflow:\n  name: {{ 'x' * 10**9 }}\n")
    assert message == (
        "Jinja substitution failure: <class 'MemoryError'>: "
        "Sandboxed process exceeded memory limit of 104857600 bytes"
    )
    big_range = "workflow:\n  name: x\n{% for i in range(10**9) %}{% endfor %}\n"
    ((_l, _c, message),) = located(tmp_path, big_range)
    assert "Range too big" in message


def test_sandbox_refuses_unsafe_attributes(tmp_path: Path) -> None:
    ((line, _c, message),) = located(tmp_path, "workflow:\n  name: {{ ''.__class__ }}\n")
    assert message.startswith(
        "Jinja substitution failure: <class 'jinja2.exceptions.SecurityError'>"
    )
    assert line == 2


def test_cli_shows_the_rendered_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from osmo_tui.cli.main import main

    text = 'workflow:\n  name: wf\n  tasks:\n{{ body }}\ndefault-values:\n  body: "  - {name: t1, image: u, command: [x], bogus: 1}"\n'
    path = write(tmp_path, text)
    assert main(["validate", str(path)]) == 1
    assert capsys.readouterr().err == (
        f"{path}:4:40 (in rendered spec): workflow.tasks.0.bogus: Extra inputs are not permitted"
        " [rendered line 4: - {name: t1, image: u, command: [x], bogus: 1}]\n"
    )


def test_errors_carry_dependencies_for_hot_reload(tmp_path: Path) -> None:
    (tmp_path / "a.sh").write_text("echo a\n")
    text = "workflow:\n  name: wf\n  tasks:\n  - {name: t1, image: u, command: 1, files: [{path: /a, localpath: a.sh}]}\n"
    path = write(tmp_path, text)
    try:
        load_workflow(path)
    except SpecErrors as exc:
        assert exc.dependencies == [path, tmp_path / "a.sh"]  # type: ignore[attr-defined]
        assert exc.rendered.startswith("workflow:")  # type: ignore[attr-defined]
    else:
        raise AssertionError("expected errors")


def test_every_iteration_of_a_multi_line_loop_body_maps_to_the_body(tmp_path: Path) -> None:
    text = """
    workflow:
      name: wf
      groups:
      - name: g
        tasks:
        - {name: lead, image: u, command: [x], lead: true}
    {% for i in range(4) %}
        - name: worker-{{ i }}
          image: alpine:3.20
          bogus: {{ i }}
          command: [sh, -c, "sleep {{ i }}"]
    {% endfor %}
    """
    found = located(tmp_path, text)
    assert [(line, col) for line, col, _ in found] == [(10, 7)] * 4
    assert [m.split(":")[0] for _, _, m in found] == [
        f"workflow.groups.0.tasks.{i}.bogus" for i in range(1, 5)
    ]


def test_no_fork_means_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    def refuse() -> int:
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", refuse)
    ((_l, _c, message),) = located(tmp_path, "workflow:\n  name: {{ n }}\n")
    assert message.startswith("Jinja substitution failure: cannot start the sandboxed renderer")
