"""A workflow stopped by a missing template value asks for it, reloads with it and keeps it."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from osmo_tui.app.app import make_app
from osmo_tui.app.screens.dialogs import ValuesDialog
from osmo_tui.app.template_values import given, with_values
from simulator.run import RunRequest, SpecOptions
from tests.conftest import EXAMPLES
from tests.tui.conftest import settle, wait_for

pytestmark = pytest.mark.anyio

TWO_MISSING = """\
workflow:
  name: needs-two
  tasks:
  - name: upload
    image: busybox:latest
    command: [sh, -c, "echo {{ greeting }}"]
    outputs:
    - url: {{ storage_url }}/results/
"""


async def test_a_missing_value_is_asked_for_and_the_workflow_reloads_with_it() -> None:
    path = EXAMPLES / "invalid" / "undefined_variable.yaml"
    app = make_app(RunRequest(path=path, record=False), speed=math.inf, keymap={})
    assert app.session.errors
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ValuesDialog))
        await pilot.press(*"s3://bucket", "enter")
        await settle(pilot)
        assert not app.session.errors and app.session.plan is not None
        assert given(app.session.request) == {"storage_url": "s3://bucket"}
        snap = app.session.snapshot
        assert snap is not None and snap.finished
        await pilot.press("r")  # the value stays for the session's re-runs
        await settle(pilot)
        assert not app.session.errors and app.main_screen.runs.run_count == 2


async def test_each_missing_value_is_asked_in_turn_and_t_edits_them(tmp_path: Path) -> None:
    path = tmp_path / "w.yaml"
    path.write_text(TWO_MISSING)
    app = make_app(RunRequest(path=path, record=False), speed=math.inf, keymap={})
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ValuesDialog))
        first = app.screen
        assert isinstance(first, ValuesDialog)
        await pilot.press(*"hello", "enter")
        await wait_for(
            pilot, lambda: isinstance(app.screen, ValuesDialog) and app.screen is not first
        )
        await pilot.press(*"s3://b", "enter")
        await settle(pilot)
        assert given(app.session.request) == {"greeting": "hello", "storage_url": "s3://b"}
        await pilot.press("t")  # every value given so far, to change
        await wait_for(pilot, lambda: isinstance(app.screen, ValuesDialog))
        await pilot.press("escape")
        await pilot.pause(0.1)
        assert not isinstance(app.screen, ValuesDialog)


def test_values_replace_earlier_ones_of_the_same_name() -> None:
    request = RunRequest(spec=SpecOptions(set_values=("a=1", "b=2"), set_strings=("a=x",)))
    assert given(with_values(request, {"a": "3"})) == {"b": "2", "a": "3"}
