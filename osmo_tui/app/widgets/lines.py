"""A scrolling view that renders only its visible lines (the Line API), for thousands of rows."""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip


class TaskSelected(Message):
    """A view's cursor moved onto a task (activated: enter or a double click, open it in the
    detail). Each view subclasses it, so a handler can name the view it listens to."""

    def __init__(self, view: LinesView, task: str, activated: bool) -> None:
        super().__init__()
        self.view, self.task, self.activated = view, task, activated

    @property
    def control(self) -> LinesView:
        return self.view


class LinesView(ScrollView, can_focus=True):
    """Subclasses set `virtual_size` and implement `line(y)`; nothing off screen is rendered.

    That is what keeps 2,000 tasks smooth: a status change costs one repaint of ~30 lines.
    """

    DEFAULT_CSS = """
    LinesView { overflow: auto; }
    """

    _frame_style: Style | None = None

    @property
    def line_style(self) -> Style:
        """The widget's style for its lines: looked up once per repaint (`render_lines`), not per
        line (Textual walks the ancestors each time: a third of a 400-task graph's repaint)."""
        frame = self._frame_style
        return frame if frame is not None else self.rich_style

    def render_lines(self, crop: Region) -> list[Strip]:
        self._frame_style = self.rich_style
        try:
            return super().render_lines(crop)
        finally:
            self._frame_style = None

    def set_size(self, width: int, height: int) -> None:
        size = Size(width, height)
        if size != self.virtual_size:
            self.virtual_size = size

    def line(self, y: int) -> list[Segment]:
        """The segments of content line `y` (0-based, may be shorter than the width)."""
        raise NotImplementedError

    def window(self, y: int, left: int, right: int) -> tuple[int, list[Segment]]:
        """Segments covering at least columns [left, right) of line `y`, and the column they
        start at. The default is the whole line; a view with very wide lines renders less."""
        return 0, self.line(y)

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.size.width
        rich_style = self.line_style
        if index >= self.virtual_size.height:
            return Strip.blank(width, rich_style)
        start, segments = self.window(index, scroll_x, scroll_x + width)
        strip = Strip(segments).apply_style(rich_style)
        return strip.crop_extend(scroll_x - start, scroll_x - start + width, rich_style)

    def scroll_to_line(self, y: int) -> None:
        """Bring content line `y` into view (minimal scroll)."""
        top = self.scroll_offset.y
        height = self.scrollable_content_region.height or self.size.height
        if y < top:
            self.scroll_to(y=y, animate=False)
        elif y >= top + height:
            self.scroll_to(y=y - height + 1, animate=False)
