"""Keep the developer's machine out of the tests: fixed TZ, private run store, no real configs.

Tests that read OSMO's cookbook are marked `cookbook`. The corpus is found through
`$OSMO_COOKBOOK` (default `../shared/osmo/cookbook` next to the project); a clone without it
skips them with that reason, except under `CI=true`, where a missing corpus fails them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
COOKBOOK = Path(os.environ.get("OSMO_COOKBOOK") or SHARED / "osmo" / "cookbook").resolve()
EXAMPLES = ROOT / "examples"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def cookbook_files() -> list[Path]:
    """The corpus's workflows; without the corpus one placeholder, so that the `cookbook`
    tests parametrized over it are skipped (or fail in CI) with the reason, not vanish."""
    return sorted(COOKBOOK.rglob("*.yaml")) or [COOKBOOK / "(missing)"]


@pytest.fixture(autouse=True)
def _cookbook_present(request: pytest.FixtureRequest) -> None:
    """A `cookbook` test without the corpus: skipped with the reason, failed in CI."""
    if request.node.get_closest_marker("cookbook") is None or COOKBOOK.is_dir():
        return
    reason = f"OSMO cookbook not found at {COOKBOOK} (set $OSMO_COOKBOOK)"
    if IN_CI:
        pytest.fail(f"{reason}; CI needs it", pytrace=False)
    pytest.skip(reason)


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
