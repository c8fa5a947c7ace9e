"""EventList: the raw engine event stream, one line per event, rendered only where visible."""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from osmo_tui.app import narrow
from osmo_tui.app import style as st
from osmo_tui.app.widgets.lines import LinesView
from simulator.engine.events import Event, event_to_dict

TIME = Style(color="grey58")
KIND = Style(color="cyan")


def describe(event: Event) -> str:
    """`task=train retry=0 status=RUNNING`: the event's fields after time and kind."""
    data = event_to_dict(event)
    skip = ("kind", "time")
    return " ".join(f"{k}={v}" for k, v in data.items() if k not in skip and v not in ("", None))


class EventList(LinesView):
    """Follows the end of the list while it is scrolled to the bottom."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.events: list[Event] = []
        self.marker: int | None = None
        """Scrub position: events from it on are dimmed."""
        self.matching: set[str] | None = None
        """Tasks a search or status filter keeps (None: all): only their events are listed,
        with the run's own (a task-less event: RunStarted, RunFinished, ...)."""
        self._groups: set[str] = set()
        """The groups of `matching`: their group events are listed too."""
        self.shown: list[int] | None = None
        """While narrowed: the indexes in `events` of the listed events (extended as events
        arrive, rebuilt only when the narrowing changes)."""
        self._scanned = 0
        self.empty_note = ""

    def show(self, events: list[Event]) -> None:
        self.events = events
        self._rescan()
        self.updated()

    def narrow(
        self, matching: set[str] | None, groups: set[str] | None = None, note: str = ""
    ) -> None:
        """A search or status filter changed: list only the events of `matching` (None: all)."""
        if matching == self.matching and note == self.empty_note:
            return
        self.matching, self._groups, self.empty_note = matching, groups or set(), note
        self._rescan()
        self.updated()

    def _rescan(self) -> None:
        self.shown = None if self.matching is None else []
        self._scanned = 0

    def _keeps(self, event: Event) -> bool:
        task = getattr(event, "task", "")
        if task:
            return self.matching is None or task in self.matching
        group = getattr(event, "group", "")
        return not group or group in self._groups

    def _count(self) -> int:
        shown = self.shown
        if shown is None:
            return len(self.events)
        events = self.events
        if self._scanned > len(events):  # the list was emptied (a new run)
            shown.clear()
            self._scanned = 0
        for i in range(self._scanned, len(events)):  # only the events that arrived since
            if self._keeps(events[i]):
                shown.append(i)
        self._scanned = len(events)
        return len(shown)

    def updated(self) -> None:
        at_end = self.scroll_offset.y >= self.max_scroll_y - 1
        self.set_size(0, self._count())
        if at_end:
            self.scroll_end(animate=False, immediate=False)
        self.refresh()

    def render_line(self, y: int) -> Strip:
        if self.empty_note and self.matching is not None and not self.matching:
            width = self.size.width
            height = self.scrollable_content_region.height or self.size.height
            segments = narrow.centred(self.empty_note, width) if y == height // 2 else []
            return (
                Strip(segments).apply_style(self.line_style).crop_extend(0, width, self.line_style)
            )
        return super().render_line(y)

    def line(self, y: int) -> list[Segment]:
        if self.shown is not None:
            y = self.shown[y]
        event = self.events[y]
        status = getattr(event, "status", None)
        body = describe(event)
        if self.marker is not None and y >= self.marker:
            return [Segment(f"{event.time:>10.2f}  {event.kind:<18} {body}", TIME)]
        body_style = st.style(status) if status is not None else Style()
        return [
            Segment(f"{event.time:>10.2f}  ", TIME),
            Segment(f"{event.kind:<18} ", KIND),
            Segment(body, body_style),
        ]
