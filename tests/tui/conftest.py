"""Fixtures for the app tests: a settled app (its run finished and painted), scenario files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot

from osmo_tui.app.app import OsmoApp


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def settle(pilot: Pilot[object], *, timeout: float = 10.0) -> None:
    """Wait until the run worker is done and the views have repainted."""
    app = pilot.app
    assert isinstance(app, OsmoApp)
    waited = 0.0
    while waited < timeout:
        await pilot.pause(0.05)
        waited += 0.05
        run = app.session.run
        runs = app.main_screen.runs
        if run is not None and run.finished and not runs.pending and not runs.posted:
            break
    await pilot.pause(0.15)  # one refresh tick after the last batch
    app.clear_notifications()
    await pilot.pause()


async def wait_for(
    pilot: Pilot[object], condition: Callable[[], bool], timeout: float = 5.0
) -> None:
    """Poll until `condition()` holds (the run worker acts between the pilot's key presses)."""
    waited = 0.0
    while not condition():
        assert waited < timeout, "condition not met in time"
        await pilot.pause(0.02)
        waited += 0.02


@pytest.fixture
def scenario(tmp_path: Path) -> Callable[[str], Path]:
    """Write a scenario YAML and return its path."""

    def write(text: str) -> Path:
        path = tmp_path / "scenario.yaml"
        path.write_text(text)
        return path

    return write
