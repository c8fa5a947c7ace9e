"""What-if in the simulator: make a task fail with an exit code, be preempted or take longer,
re-simulate at once, and save the result as a scenario file `--scenario` reads.

The what-ifs of a session sit on top of the request's own scenario file: the merged scenario is
written to a private temporary file that the run uses (the user's file is never changed), and
`save` writes the same document where the user asks."""

from __future__ import annotations

import dataclasses
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml

from simulator import inputs
from simulator.backends.scenario import parse_scenario
from simulator.errors import OsmoTuiError, UsageError

if TYPE_CHECKING:
    from osmo_tui.app.screens.main import MainScreen

Kind = Literal["fail", "preempt", "slow", "none"]


@dataclass(frozen=True, slots=True)
class WhatIf:
    """One task's what-if."""

    task: str
    kind: Kind
    exit_code: int = 1
    duration: float = 60.0

    def scenario(self) -> dict[str, Any]:
        """The task's entry under the scenario's `tasks:`."""
        if self.kind == "fail":
            return {"exit_code": self.exit_code}
        if self.kind == "preempt":
            return {"status": "FAILED_PREEMPTED", "message": "preempted (what-if)"}
        return {"duration": self.duration}

    def describe(self) -> str:
        if self.kind == "fail":
            return f"{self.task} fails with exit {self.exit_code}"
        if self.kind == "preempt":
            return f"{self.task} is preempted"
        if self.kind == "slow":
            return f"{self.task} takes {self.duration:g}s"
        return f"{self.task} as the scenario says"


class WhatIfs:
    """The session's what-ifs and the scenario file they came on top of."""

    def __init__(self, base: Path | None) -> None:
        self.base = base
        """The request's own scenario file (None: none)."""
        self.tasks: dict[str, WhatIf] = {}
        self._dir: Path | None = None

    def set(self, what: WhatIf) -> None:
        if what.kind == "none":
            self.tasks.pop(what.task, None)
        else:
            self.tasks[what.task] = what

    def document(self) -> dict[str, Any]:
        """The base scenario with every what-if applied (attempts of those tasks dropped: the
        what-if decides every attempt)."""
        data: dict[str, Any] = {}
        if self.base is not None:
            text = inputs.read_text(self.base, what="scenario", max_bytes=inputs.MAX_CONFIG_BYTES)
            loaded = inputs.load_yaml(text)
            data = dict(loaded) if isinstance(loaded, dict) else {}
        tasks = dict(data.get("tasks") or {})
        for name, what in self.tasks.items():
            tasks[name] = what.scenario()
        if tasks:
            data["tasks"] = tasks
        return data

    def text(self) -> str:
        header = "".join(f"# what-if: {w.describe()}\n" for w in self.tasks.values())
        body = yaml.safe_dump(self.document(), sort_keys=False, allow_unicode=True)
        text = header + body
        parse_scenario(text, "what-if scenario")  # what we write must be what --scenario reads
        return text

    def write_private(self) -> Path | None:
        """The merged scenario for the run (None: no what-if, the base file as it is)."""
        if not self.tasks:
            return self.base
        if self._dir is None:
            self._dir = Path(tempfile.mkdtemp(prefix="osmo-tui-whatif-"))
        path = self._dir / "scenario.yaml"
        path.write_text(self.text())
        return path

    def save(self, path: Path) -> Path:
        try:
            path.write_text(self.text())
        except OSError as exc:
            raise UsageError(f"cannot write {path}: {exc.strerror}") from None
        return path


def whatifs(screen: MainScreen) -> WhatIfs:
    """The session's what-ifs (made on first use, on top of the request's scenario)."""
    session = screen.osmo.session
    if session.whatifs is None:
        session.whatifs = WhatIfs(session.request.scenario)
    return session.whatifs


def open_dialog(screen: MainScreen) -> None:
    """`i` on a task: the what-if form; its answer re-simulates at once (and maybe saves)."""
    from osmo_tui.app.screens.whatif import WhatIfDialog

    session = screen.osmo.session
    name, snap = screen.selected, screen.view_snapshot()
    if session.request.backend_name != "sim":
        screen.notify("What-if needs the simulator backend", severity="warning", timeout=3)
        return
    if session.request.path is None:
        screen.notify("What-if needs a workflow file to re-load", severity="warning", timeout=3)
        return
    if name is None or snap is None or name not in snap.tasks:
        screen.notify("Select a task first (graph or table)", severity="warning", timeout=3)
        return
    task = snap.tasks[name]
    ran = (task.end_time - task.start_time) if task.start_time and task.end_time else 0.0
    current = whatifs(screen).tasks.get(name)
    suggested = current or WhatIf(name, "fail", 1, max(60.0, round(ran * 2)))
    default_file = Path(f"{session.request.path.stem}.whatif.yaml")

    def answered(answer: object) -> None:
        if isinstance(answer, tuple) and len(answer) == 2:
            apply(screen, answer[0], answer[1])

    screen.app.push_screen(WhatIfDialog(suggested, default_file), answered)


def apply(screen: MainScreen, what: WhatIf, save_to: Path | None) -> None:
    """Re-simulate with the what-if at once; save the scenario where asked."""
    store = whatifs(screen)
    store.set(what)
    session = screen.osmo.session
    try:
        scenario = store.write_private()
        saved = store.save(save_to) if save_to is not None else None
    except Exception as exc:  # a broken base scenario, a full disk: say it, keep the run
        text = exc.render() if isinstance(exc, OsmoTuiError) else f"{type(exc).__name__}: {exc}"
        screen.notify(text, title="What-if", severity="error", timeout=6)
        return
    session.use_request(dataclasses.replace(session.request, scenario=scenario))
    outcome = screen.runs.reload()
    if store.tasks:  # the header says the run is not what the files alone give
        screen.runs.note = "what-if: " + "; ".join(w.describe() for w in store.tasks.values())
        screen.update_header()
    if outcome.ok:
        where = f"; saved as {saved} (--scenario {saved})" if saved is not None else ""
        screen.notify(f"What if {what.describe()}: re-simulated{where}", timeout=6)
