"""A reload says what changed per task, field by field, and the graph marks those tasks."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from osmo_tui.app.app import make_app
from osmo_tui.app.widgets.graph import CHANGED, GroupGraph
from simulator.run import Reloader, RunRequest
from tests.tui.conftest import settle
from tests.tui.screen_text import screen_text

WORKFLOW = """\
workflow:
  name: diff-me
  groups:
  - name: prep
    tasks:
    - name: fetch
      image: alpine:3.20
      command: [sh, -c, "sleep 2"]
  - name: learn
    tasks:
    - name: train
      image: {image}
      command: [sh, -c, "{command}"]
      inputs:
      - task: fetch
{extra}"""
EXTRA = """\
  - name: report
    tasks:
    - name: publish
      image: alpine:3.20
      command: [sh, -c, "sleep 1"]
      inputs:
      - task: train
"""


def write(
    path: Path, image: str = "alpine:3.20", command: str = "sleep 3", extra: str = ""
) -> Path:
    path.write_text(WORKFLOW.format(image=image, command=command, extra=extra))
    return path


def test_the_outcome_names_the_fields_that_changed(tmp_path: Path) -> None:
    path = write(tmp_path / "w.yaml")
    reloader = Reloader(RunRequest(path=path, record=False))
    assert reloader.load().ok
    write(path, image="python:3.12", command="sleep 5", extra=EXTRA)
    outcome = reloader.load()
    assert outcome.ok and outcome.fields == {"train": ("image", "command")}
    assert outcome.changes() == "train: image, command; publish added"
    assert reloader.load().changes() == "no task changed"


@pytest.mark.anyio
async def test_the_app_says_which_fields_changed_and_underlines_the_task(tmp_path: Path) -> None:
    path = write(tmp_path / "w.yaml")
    app = make_app(RunRequest(path=path, record=False), speed=math.inf, keymap={})
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        write(path, command="sleep 4")
        app.main_screen.runs.reload({path.resolve()})
        await settle(pilot)
        graph = app.main_screen.query_one(GroupGraph)
        assert graph.changed == {"train"}
        assert "reloaded: train: command" in screen_text(app)
        styles = [
            seg.style
            for y in range(graph.virtual_size.height)
            for seg in graph.line(y)
            if "train" in seg.text and "★" in seg.text
        ]
        assert styles and all(style is not None and style.underline for style in styles)
        heads = [
            seg.style
            for y in range(graph.virtual_size.height)
            for seg in graph.line(y)
            if "▾" in seg.text
        ]
        assert [h is not None and bool(h.underline) for h in heads] == [False, True]
        assert CHANGED.underline
