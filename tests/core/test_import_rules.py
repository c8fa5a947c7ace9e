"""The headless core never pulls in the front end or heavy backends (ARCHITECTURE §1)."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("textual", "rich", "docker", "kubernetes", "watchfiles")


def _loaded_after(statement: str) -> set[str]:
    code = f"import sys, json\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout))


def test_core_imports_nothing_heavy() -> None:
    loaded = _loaded_after(
        "import simulator.engine.events, simulator.engine.snapshot, simulator.backends"
    )
    assert not {m for m in loaded if m.split(".")[0] in HEAVY}


def test_cli_parser_imports_nothing_heavy() -> None:
    loaded = _loaded_after("from osmo_tui.cli.main import build_parser; build_parser()")
    assert not {m for m in loaded if m.split(".")[0] in HEAVY}
