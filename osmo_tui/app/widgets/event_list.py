"""EventList: the raw engine event stream, one line per event, rendered only where visible."""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style

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

    def show(self, events: list[Event]) -> None:
        self.events = events
        self.updated()

    def updated(self) -> None:
        at_end = self.scroll_offset.y >= self.max_scroll_y - 1
        self.set_size(0, len(self.events))
        if at_end:
            self.scroll_end(animate=False, immediate=False)
        self.refresh()

    def line(self, y: int) -> list[Segment]:
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
