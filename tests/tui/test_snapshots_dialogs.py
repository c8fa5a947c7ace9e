"""SVG snapshots of the dialogs of issue 14 at the smallest terminal we promise (80x24): the
cancel confirmations, the template-values form, the what-if form, and the log's follow line.

Update with `pytest tests/tui/test_snapshots_dialogs.py --snapshot-update` after looking."""

from __future__ import annotations

import math
import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input

from osmo_tui.app.app import OsmoApp, make_app
from osmo_tui.app.screens.dialogs import ConfirmDialog, ValuesDialog
from osmo_tui.app.screens.whatif import WhatIfDialog
from simulator.run import RunRequest
from tests.conftest import EXAMPLES
from tests.tui.conftest import settle
from tests.tui.plans import small_plan

SIZE = (80, 24)
Compare = Callable[..., bool]


def _open(
    dialog: type[Screen[object]], *keys: str, settled: bool = False
) -> Callable[[Pilot[object]], Awaitable[None]]:
    """Let the app start (or finish), press `keys`, wait for `dialog`, drop the toasts."""

    async def run_before(pilot: Pilot[object]) -> None:
        if settled:
            await settle(pilot)
        else:
            await pilot.pause(0.3)
        await pilot.press(*keys)
        for _ in range(100):
            if isinstance(pilot.app.screen, dialog):
                break
            await pilot.pause(0.02)
        assert isinstance(pilot.app.screen, dialog)
        await pilot.pause(0.2)
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False  # a blinking cursor is drawn or not by the clock
        pilot.app.clear_notifications()

    return run_before


def _paused() -> OsmoApp:
    """A run that has not moved yet: cancels apply, nothing changes under the dialog."""
    return make_app(plan=small_plan(), speed=1.0, paused=True, keymap={})


def test_confirm_workflow_cancel(snap_compare: Compare) -> None:
    assert snap_compare(_paused(), terminal_size=SIZE, run_before=_open(ConfirmDialog, "c"))


def test_confirm_group_cancel(snap_compare: Compare) -> None:
    run_before = _open(ConfirmDialog, "down", "C")
    assert snap_compare(_paused(), terminal_size=SIZE, run_before=run_before)


def test_template_values_form(
    snap_compare: Compare, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # relative paths keep the snapshot free of temp dir names
    shutil.copy(EXAMPLES / "invalid" / "undefined_variable.yaml", "workflow.yaml")
    app = make_app(RunRequest(path=Path("workflow.yaml"), record=False), keymap={})
    assert snap_compare(app, terminal_size=SIZE, run_before=_open(ValuesDialog))


def test_what_if_form(
    snap_compare: Compare, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copy(EXAMPLES / "serial.yaml", "workflow.yaml")
    request = RunRequest(path=Path("workflow.yaml"), record=False)
    app = make_app(request, speed=math.inf, keymap={})
    run_before = _open(WhatIfDialog, "down", "i", settled=True)
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
