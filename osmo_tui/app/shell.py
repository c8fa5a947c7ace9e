"""Into the selected task from the app: `s` a shell in its container or pod (the app is suspended
while it is open, as k9s does), `p` a port forward (a prompt for the ports; shown in the task's
detail while it runs; `p` again, or the task's end, stops it). The work itself is
`simulator.run.attach`, shared with `osmo-tui workflow exec|port-forward`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Input, Label

from simulator.errors import OsmoTuiError
from simulator.run.attach import DEFAULT_ENTRY, Forwarder, entry_argv, parse_ports, run_exec
from simulator.run.locate import Located, locate, not_enterable

if TYPE_CHECKING:
    from osmo_tui.app.screens.main import MainScreen


class PortPrompt(ModalScreen[str]):
    """Asks for `--port`'s value (`8080`, `8080:80`, `9000-9002`); escape cancels."""

    DEFAULT_CSS = """
    PortPrompt { align: center middle; }
    PortPrompt > Vertical { width: 60; height: auto; border: round $accent; padding: 0 1; }
    """
    BINDINGS = [("escape", "dismiss_empty", "Cancel")]

    def __init__(self, task: str) -> None:
        super().__init__()
        self.task_name = task

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Forward local ports to task {self.task_name}: LOCAL[:TASK], ranges a-b")
            yield Input(placeholder="8080:80", id="port")

    def on_input_submitted(self, message: Input.Submitted) -> None:
        self.dismiss(message.value.strip())

    def action_dismiss_empty(self) -> None:
        self.dismiss("")


class TaskAttach:
    """The screen's shell and port forward (at most one forward at a time)."""

    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        self.forward: Forwarder | None = None
        self.forward_task = ""
        self._timer: Timer | None = None

    def _located(self, task: str | None) -> Located | None:
        if task is None:
            self.screen.notify("Select a task first (graph or table)", severity="warning")
            return None
        execution = self.screen.osmo.session.execution
        if execution is None or execution.run.finished:
            self.screen.notify("No run is going on", severity="warning")
            return None
        try:
            return locate(execution.run, execution.snapshot, task, None)[0]
        except OsmoTuiError as exc:
            self.screen.notify(exc.render(), severity="warning", timeout=5)
            return None

    def shell(self, task: str | None) -> None:
        """Suspend the app and open a shell in the task; back to the app when it exits."""
        from textual.app import SuspendNotSupported

        found = self._located(task)
        if found is None:
            return
        try:
            with self.screen.app.suspend():
                print(f"osmo-tui: a shell in task {found.task} (exit it to return to the app)")
                code = run_exec(found.target, entry_argv(DEFAULT_ENTRY))
        except SuspendNotSupported:
            self.screen.notify("This terminal cannot suspend the app", severity="warning")
            return
        except OsmoTuiError as exc:
            self.screen.notify(exc.render(), severity="error", timeout=6)
            return
        self.screen.notify(f"Shell in {found.task} exited with {code}", timeout=3)

    def toggle_forward(self, task: str | None) -> None:
        """`p`: stop the forward that runs, else ask for ports and start one."""
        if self.forward is not None:
            self.stop_forward(f"Port-forward to {self.forward_task} stopped")
            return
        found = self._located(task)
        if found is None:
            return

        def chosen(ports: str | None) -> None:
            if ports:
                self._start(found, ports)

        self.screen.app.push_screen(PortPrompt(found.task), chosen)

    def _start(self, found: Located, ports: str) -> None:
        session = self.screen.osmo.session

        def alive() -> str | None:  # the forward's thread asks every second
            execution = session.execution
            if execution is None or execution.run.finished:
                return "the run ended"
            state = execution.snapshot.tasks[found.task]
            if state.retries != found.retry or state.status.finished:
                return not_enterable(found.task, str(state.status), True)
            return None

        try:
            forward = Forwarder(found.target, parse_ports(ports), alive=alive)
            forward.start()
        except OsmoTuiError as exc:
            self.screen.notify(exc.render(), severity="error", timeout=6)
            return
        self.forward, self.forward_task = forward, found.task
        self._timer = self.screen.set_interval(1.0, self._check)
        self.screen.notify("\n".join(forward.lines()), timeout=4)
        self.screen.forward_changed()

    def note(self, task: str | None) -> str:
        """The detail's line about the forward of `task` ("" when none)."""
        if self.forward is None or task != self.forward_task:
            return ""
        return "; ".join(self.forward.lines()) + "  (p stops)"

    def _check(self) -> None:
        if self.forward is not None and self.forward.wait(0):
            why = self.forward.stopped or "it ended"
            self.stop_forward(f"Port-forward to {self.forward_task} stopped: {why}")

    def stop_forward(self, message: str = "") -> None:
        """Stop the forward (idempotent); the screen's unmount and quit call it too."""
        forward, self.forward = self.forward, None
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if forward is not None:
            forward.stop()
            if message:
                self.screen.notify(message, timeout=4)
            self.screen.forward_changed()
