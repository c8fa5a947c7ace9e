"""The thin App and `make_app`, the one factory the CLI and the tests use."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import App, SystemCommand
from textual.screen import Screen

from osmo_tui.app.keys import load_keymap
from osmo_tui.app.playback import Playback
from osmo_tui.app.session import Session
from simulator.engine.events import Event
from simulator.engine.plan import Plan
from simulator.run import PreparedRun, RunRequest, prepare_plan

if TYPE_CHECKING:
    from osmo_tui.app.screens.main import MainScreen


SHUTDOWN_NOTE_SECONDS = 30.0
"""How long the "stopping the run" note stays (the close is over long before)."""


class OsmoApp(App[int]):
    """Holds the session and settings; the MainScreen does the work."""

    CSS_PATH = "app.tcss"
    TITLE = "osmo-tui"
    COMMAND_PALETTE_BINDING = "ctrl+p"

    def __init__(
        self,
        session: Session,
        *,
        clock: Callable[[], float] = time.monotonic,
        playback: Playback | None = None,
        autostart: bool = True,
        watch: bool = False,
        replay_events: list[Event] | None = None,
        keymap: dict[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.session = session
        self.clock = clock
        """Wall clock for pacing and the real-time elapsed display; tests inject their own."""
        self.playback = playback or Playback()
        self.autostart = autostart
        self.hot_reload = watch
        self.replay_events = replay_events
        self.keymap = keymap or {}
        self._badges: dict[str, str] | None = None
        self._quitting = False
        self.exit_note = ""
        """What the CLI says on stderr once the app is gone (one line, never wrapped or cut as
        Textual's exit message is at the terminal's width)."""

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """The command palette (ctrl+p): every action of the main screen, by its description
        and current key, then Textual's own (theme, keys, screenshot, quit)."""
        from osmo_tui.app.keys import palette_entries
        from osmo_tui.app.screens.main import MainScreen

        if isinstance(screen, MainScreen):
            for title, help_text, action in palette_entries(self.keymap):
                yield SystemCommand(title, help_text, partial(screen.run_action, action))
        yield from super().get_system_commands(screen)

    def on_mount(self) -> None:
        from osmo_tui.app.screens.main import MainScreen

        if self.keymap:
            self.set_keymap(self.keymap)
        self.push_screen(MainScreen())

    async def action_quit(self) -> None:
        """Quit (q, ctrl+q, the palette): the run's containers/pods go first, then the app.

        The close runs in a worker, so the app keeps drawing and answering meanwhile (a grace
        period and a kill take seconds); quitting again leaves at once and says what is left
        behind and how to remove it."""
        if self._quitting:
            self._quit_now()
            return
        try:
            screen = self.main_screen
        except LookupError:  # quit before the main screen was mounted: no run to stop
            self.exit()
            return
        self._quitting = True
        screen.attach.stop_forward()
        if screen.runs.has_something_to_close():
            self.notify(
                "Stopping the run: its containers/pods are being removed first "
                "(q again: quit now and leave them)",
                title="Quitting",
                timeout=SHUTDOWN_NOTE_SECONDS,
            )
        self.run_worker(self._close_then_exit(screen), group="quit", exclusive=True)

    async def _close_then_exit(self, screen: MainScreen) -> None:
        await screen.runs.shutdown()
        self.exit()

    def _quit_now(self) -> None:
        """The second quit: close the record with what it has and leave the backend's objects
        (they carry the run's labels: `osmo-tui gc` finds them once this process is gone)."""
        backend = self.session.backend_name()
        left = ""
        if self.main_screen.runs.has_something_to_close():
            left = (
                f"osmo-tui: quit before the run's {backend} objects were removed; "
                f"`osmo-tui gc --backend {backend}` removes them"
            )
        with contextlib.suppress(Exception):  # the record is a courtesy here, not a condition
            self.session.finish_recording()
        self.exit_note = left
        self.exit()

    @property
    def main_screen(self) -> MainScreen:
        from osmo_tui.app.screens.main import MainScreen

        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                return screen
        raise LookupError("the main screen is not mounted")

    def badges(self) -> dict[str, str]:
        """Per task: platform arch and GPU count, e.g. `arm64 8g` (computed once per plan)."""
        if self._badges is None:
            self._badges = task_badges(self.session)
        return self._badges

    def invalidate_badges(self) -> None:
        self._badges = None


def task_badges(session: Session) -> dict[str, str]:
    """What is worth a badge: a non-amd64 arch, GPUs, a platform other than the pool default."""
    plan = session.plan
    if plan is None:
        return {}
    prepared = session.prepared
    pool = prepared.pool if prepared is not None else None
    platforms = pool.platforms if pool is not None else {}
    default = pool.default_platform if pool is not None else None
    out: dict[str, str] = {}
    for task in plan.tasks.values():
        parts: list[str] = []
        platform = task.resource.platform
        config = platforms.get(platform) if platform else None
        arch = getattr(config, "arch", "")
        if arch and arch != "amd64":
            parts.append(arch)
        if task.resource.gpu:
            parts.append(f"{task.resource.gpu}g")
        if platform and platform != default and not parts:
            parts.append(platform[:10])
        out[task.name] = " " + " ".join(parts) if parts else ""
    return out


def make_app(
    request: RunRequest | None = None,
    *,
    plan: Plan | None = None,
    prepared: PreparedRun | None = None,
    clock: Callable[[], float] = time.monotonic,
    speed: float = 10.0,
    paused: bool = False,
    autostart: bool = True,
    watch: bool = False,
    replay_events: list[Event] | None = None,
    keymap: dict[str, str] | None = None,
    keys_dir: Path | None = None,
) -> OsmoApp:
    """Build the app: prepare the request (errors are shown, not raised), or show a plan built
    elsewhere (`plan`, with the request's scenario; `prepared`, e.g. a recorded run)."""
    if prepared is not None:
        request = prepared.request
    request = request or RunRequest(record=False)
    if prepared is None and plan is not None:
        prepared = prepare_plan(request, plan)
    session = Session(request, prepared)
    if prepared is None and request.path is not None:
        session.load()
    if keymap is None:
        keymap = load_keymap(keys_dir)
    return OsmoApp(
        session,
        clock=clock,
        playback=Playback(speed=speed, paused=paused),
        autostart=autostart,
        watch=watch,
        replay_events=replay_events,
        keymap=keymap,
    )
