"""The main screen's key actions: run control, playback, scrubbing, search, filter, editor."""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from textual.screen import Screen
from textual.widgets import Input, TabbedContent

from osmo_tui.app import style as st
from osmo_tui.app.playback import speed_label
from osmo_tui.app.screens.help import HelpScreen
from osmo_tui.app.widgets.error_list import ErrorList
from osmo_tui.app.widgets.graph import GroupGraph
from osmo_tui.app.widgets.task_table import TaskTable
from simulator.errors import OsmoTuiError

if TYPE_CHECKING:
    from osmo_tui.app.app import OsmoApp
    from osmo_tui.app.drivers import Driver
    from osmo_tui.app.playback import Playback
    from osmo_tui.app.session import LoadOutcome
    from simulator.engine.events import Event


def editor_command(path: str, line: int | None, editor: str | None = None) -> list[str]:
    """`$VISUAL`/`$EDITOR` (default vi) opened at `line`: `+N FILE` (vi, emacs, nano, micro),
    except VS Code, which wants `-g FILE:N`."""
    editor = editor or os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    argv = shlex.split(editor)
    name = os.path.basename(argv[0]) if argv else ""
    if name in ("code", "codium", "code-insiders"):
        return [*argv, "-g", f"{path}:{line or 1}"]
    return [*argv, f"+{line}", path] if line else [*argv, path]


class RunActions(Screen[None]):
    """MainScreen's base: every `action_*` named in `keys.KEYS` lives here."""

    selected: str | None = None
    scrub: int | None = None
    """Events folded into the shown snapshot while scrubbing (None: live)."""
    note: str = ""
    log_search: str = ""

    @property
    def osmo(self) -> OsmoApp:
        return self.app  # type: ignore[return-value]

    @property
    def playback(self) -> Playback:
        return self.osmo.playback

    # implemented by MainScreen
    def deliver(self, events: list[Event]) -> None:
        raise NotImplementedError

    def wake(self) -> None:
        raise NotImplementedError

    def start_run(self, driver: Driver | None = None) -> None:
        raise NotImplementedError

    def reload(self, changed: set[Path] | None = None) -> LoadOutcome:
        raise NotImplementedError

    def scrub_to(self, index: int | None) -> None:
        raise NotImplementedError

    def scrub_step(self, direction: int) -> None:
        raise NotImplementedError

    def focus_view(self) -> None:
        raise NotImplementedError

    def retime(self) -> None:
        raise NotImplementedError

    # --- actions -----------------------------------------------------------------------------

    def action_quit(self) -> None:
        self.app.exit()

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(self.osmo.keymap))

    def action_rerun(self) -> None:
        session = self.osmo.session
        if session.plan is None:
            self.reload()
            return
        if session.driver is not None and session.driver.backend == "replay":
            self.start_run(self.osmo.replay_driver())
            return
        self.note = ""
        self.start_run()
        if session.errors:  # the file on disk is broken: say which version runs
            self.notify("The workflow has errors: re-running its last valid version", timeout=4)
        else:
            self.notify("Run restarted", timeout=2)

    def action_cancel_workflow(self) -> None:
        self._cancel("workflow", "")

    def action_cancel_task(self) -> None:
        if self.selected is None:
            self.notify("Select a task first (graph or table)", severity="warning", timeout=3)
            return
        self._cancel("task", self.selected)

    def _cancel(self, scope: str, name: str) -> None:
        driver = self.osmo.session.driver
        if driver is None or driver.finished:
            self.notify("Nothing is running", severity="warning", timeout=3)
            return
        if not driver.can_cancel or (scope == "task" and not driver.can_cancel_task):
            self.notify(f"This run cannot cancel a {scope}", severity="warning", timeout=3)
            return
        # Cancel at the virtual time the header shows, not at the last event's time.
        at = None
        if not driver.realtime:
            at = self.playback.position(self.osmo.clock(), driver.now, driver.next_time)
        try:
            events = driver.cancel(scope=scope, name=name, message="Canceled from osmo-tui", at=at)
        except OsmoTuiError as exc:  # OSMO refuses some cancels (e.g. a finished task)
            self.notify(exc.render(), severity="warning", timeout=4)
            return
        self.retime()
        self.deliver(events)
        self.wake()
        what = "workflow" if scope == "workflow" else f"task {name}"
        self.notify(f"Cancel requested for {what}", timeout=3)

    def action_pause(self) -> None:
        self.retime()
        self.playback.paused = not self.playback.paused
        self.wake()

    def action_step(self) -> None:
        self.retime()
        self.playback.paused = True
        self.playback.steps_requested += 1
        self.wake()

    def action_speed(self, delta: int) -> None:
        self.retime()
        speed = self.playback.change_speed(delta)
        self.wake()
        self.notify(f"Speed {speed_label(speed)}", timeout=2)

    def action_scrub(self, direction: int) -> None:
        driver = self.osmo.session.driver
        if driver is not None and not driver.finished and not self.playback.paused:
            self.retime()
            self.playback.paused = True  # scrubbing a live run pauses it first
            self.wake()
        self.scrub_step(direction)

    def action_scrub_to(self, index: int) -> None:
        self.scrub_to(None if index < 0 else index)

    def action_search(self) -> None:
        box = self.query_one("#search", Input)
        on_task = self.query_one(TabbedContent).active == "task"
        box.placeholder = "search this task's log" if on_task else "search task and group names"
        box.value = self.log_search if on_task else self.query_one(GroupGraph).search
        box.display = True
        box.focus()

    def action_filter(self) -> None:
        graph, table = self.query_one(GroupGraph), self.query_one(TaskTable)
        filters = st.STATUS_FILTERS
        graph.status_filter = filters[(filters.index(graph.status_filter) + 1) % len(filters)]
        table.status_filter = graph.status_filter
        graph.relayout()
        table.rebuild()
        self.notify(f"Showing {graph.status_filter} tasks", timeout=2)

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        self.focus_view()

    def action_log_or_spec(self) -> None:
        """Show the selected task's tab, flipping between its log and its rendered spec."""
        views = self.query_one("#views", TabbedContent)
        inner = self.query_one("#task-tabs", TabbedContent)
        if views.active == "task":
            inner.active = "tab-spec" if inner.active == "tab-log" else "tab-log"
        else:
            views.active = "task"

    def action_focus_errors(self) -> None:
        errors = self.query_one(ErrorList)
        if errors.display:
            errors.focus()

    def edit_target(self) -> tuple[str, int | None]:
        """The highlighted error's file and line, else the selected task's line in the workflow."""
        session = self.osmo.session
        problems = self.query_one(ErrorList)
        problem = problems.current if problems.display else None
        if problem is not None and problem.location is not None and not problem.location.rendered:
            return problem.location.path, problem.location.line
        path = str(session.options.path or "")
        locate = getattr(session.loaded, "location_of_task", None)
        if self.selected is not None and locate is not None:
            where = locate(self.selected)
            if not where.rendered:
                return where.path, where.line
        return path, None

    def action_edit(self) -> None:
        path, line = self.edit_target()
        if path:
            self.open_editor(editor_command(path, line))

    def open_editor(self, argv: list[str]) -> None:
        """Suspend the app, run the editor, then reload (the watcher may also fire; harmless)."""
        from textual.app import SuspendNotSupported

        try:
            with self.app.suspend():
                subprocess.call(argv)
        except SuspendNotSupported:
            self.notify("This terminal cannot suspend the app", severity="warning")
            return
        except OSError as exc:
            self.notify(f"Cannot start the editor: {exc}", severity="error")
            return
        self.reload()
