"""Keep the developer's machine out of the tests: fixed TZ, private run store, no real configs."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
COOKBOOK = SHARED / "osmo" / "cookbook"
EXAMPLES = ROOT / "examples"


@pytest.fixture(autouse=True)
def _isolated_environment(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("OSMO_TUI_RUNS_DIR", str(home / "runs"))
    monkeypatch.setenv("KUBECONFIG", str(home / "no-kubeconfig"))
    monkeypatch.delenv("OSMO_TUI_POOL_CONFIG", raising=False)
    monkeypatch.delenv("OSMO_TUI_CREDENTIALS", raising=False)
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.delenv("EDITOR", raising=False)
