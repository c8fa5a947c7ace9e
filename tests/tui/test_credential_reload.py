"""The local credential store is a dependency of the workflows that name credentials: creating or
fixing it re-validates the workflow in the app, as editing the workflow does."""

from __future__ import annotations

import asyncio
import math
from pathlib import Path

import pytest
from textual.message import Message

from osmo_tui.app.app import make_app
from osmo_tui.app.controller import RunController
from simulator.run import RunRequest
from tests.tui.conftest import settle

pytestmark = pytest.mark.anyio

WORKFLOW = """\
workflow:
  name: creds
  tasks:
  - name: t1
    image: alpine:3.20
    command: [sh, -c, "echo $DB_PASS"]
    credentials:
      db: {DB_PASS: password}
"""


async def _reload_where(
    seen: list[Message], errors: list[str], timeout: float = 8.0
) -> RunController.Reloaded:
    """The first new reload whose errors are `errors` (one save may reach the watcher as two
    events, a truncation then the contents, and so reload twice)."""
    start = len(seen)
    waited = 0.0
    while waited < timeout:
        await asyncio.sleep(0.05)
        waited += 0.05
        for message in seen[start:]:
            if isinstance(message, RunController.Reloaded) and errors == [
                e.message for e in message.outcome.errors
            ]:
                return message
    raise AssertionError(f"no reload with errors {errors} within the timeout")


async def test_fixing_the_credential_store_reloads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "credentials.yaml"
    store.write_text("db: {passwd: a-long-secret}\n")
    monkeypatch.setenv("OSMO_TUI_CREDENTIALS", str(store))
    path = tmp_path / "workflow.yaml"
    path.write_text(WORKFLOW)
    seen: list[Message] = []
    app = make_app(RunRequest(path=path, record=False), speed=math.inf, watch=True, keymap={})
    async with app.run_test(size=(100, 30), message_hook=seen.append) as pilot:
        await pilot.pause(0.3)
        assert [e.message for e in app.session.errors] == [
            "password is not a valid credential key please choose from dict_keys(['passwd'])"
        ]
        assert store in app.session.dependencies()
        await asyncio.sleep(0.2)  # the watcher is armed
        store.write_text("db: {password: a-long-secret}\n")
        reload = await _reload_where(seen, [])
        assert reload.outcome.ok
        await settle(pilot)
        assert app.session.loaded is not None and store in app.session.loaded.dependencies
        store.write_text("other: {k: v}\n")  # removing the credential breaks it again
        reload = await _reload_where(seen, ["Could not find the credential: db."])
        assert not reload.outcome.ok
