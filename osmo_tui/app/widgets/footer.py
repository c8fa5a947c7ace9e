"""HintsFooter: the key hints drawn as one line, as Textual's Footer draws them, without a widget
per key.

Textual's Footer re-composes itself (a FooterKey widget per binding, each styled, mounted and laid
out anew) whenever the screen's bindings may have changed. The footer hints follow the context
(`osmo_tui.app.hints`): a run starting or ending, a task selected, the first failure. Each rebuild
blocked the app for ~40 ms with 400 tasks on screen (a full re-layout and repaint), the longest
stall of an instant-speed run. Here a change costs one line of Content: the same cells, colours,
groups and palette key, clicks that press the key, hover and tooltips.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.screen import Screen
from textual.style import Style
from textual.widget import Widget
from textual.widgets._footer import FooterKey


@dataclass(frozen=True, slots=True)
class Hint:
    """One key as shown: its cells [start, end) on the line."""

    key: str
    display: str
    description: str
    tooltip: str
    enabled: bool
    start: int
    end: int


class HintsBar(Widget):
    """The hints: ` key Description ` items; a compact group as `keys Label`."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"hints--key", "hints--description", "hints--item", "hints--hover"}
    DEFAULT_CSS = """
    HintsBar {
        width: 1fr;
        height: 1;
        text-wrap: nowrap;
        text-overflow: clip;
        background: $footer-background;
        color: $footer-foreground;
        & > .hints--item { background: $footer-item-background; }
        & > .hints--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        & > .hints--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        & > .hints--hover { color: $footer-key-foreground; background: $block-hover-background; }
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self.hints: list[Hint] = []
        self._labels: list[tuple[int, int, str]] = []
        """Group labels: their cells [start, end) and text."""
        self._shown: tuple[object, ...] | None = None
        self._line = Content("")
        self._hover: Hint | None = None

    # --- what to show ------------------------------------------------------------------------

    def show(self, screen: Screen[object]) -> None:
        """The screen's shown bindings, grouped as Textual's Footer groups them."""
        app = self.app
        rows = [
            (binding, enabled, tooltip)
            for _node, binding, enabled, tooltip in screen.active_bindings.values()
            if binding.show and binding.key != app.COMMAND_PALETTE_BINDING
        ]
        by_action: dict[str, tuple[Binding, bool, str]] = {}
        for binding, enabled, tooltip in rows:
            by_action.setdefault(binding.action, (binding, enabled, tooltip))  # first key only
        shown = tuple(
            (b.key, app.get_key_display(b), b.description, b.group, enabled, tooltip)
            for b, enabled, tooltip in by_action.values()
        )
        if shown == self._shown:
            return
        self._shown = shown
        self._layout(list(by_action.values()))

    def _layout(self, rows: list[tuple[Binding, bool, str]]) -> None:
        app = self.app
        hints: list[Hint] = []
        labels: list[tuple[int, int, str]] = []
        at = 0
        for group, members_iter in groupby(rows, lambda row: row[0].group):
            members = list(members_iter)
            if group is not None and len(members) > 1:
                at += 1  # the group's left padding
                for binding, enabled, tooltip in members:
                    display = app.get_key_display(binding)
                    tip = tooltip or binding.description
                    at += 0 if group.compact else 1  # a loose group's keys: margin 0 1
                    end = at + cell_len(display)
                    hints.append(Hint(binding.key, display, "", tip, enabled, at, end))
                    at = end + (0 if group.compact else 1)
                at += 1  # the group's right margin
                end = at + cell_len(group.description)
                labels.append((at, end, group.description))
                at = end + 1  # the label's right margin
                continue
            for binding, enabled, tooltip in members:
                display, text = app.get_key_display(binding), binding.description
                # ` key Description ` (the key padded 0 1, the description 0 1 0 0), or the key
                width = cell_len(f" {display} {text} ") if text else cell_len(display)
                hints.append(Hint(binding.key, display, text, tooltip, enabled, at, at + width))
                at += width
        self.hints = hints
        self._labels = labels
        self._render_line()

    def _render_line(self) -> None:
        item = self._style("hints--item")
        key = self._style("hints--key")
        description = self._style("hints--description")
        hover = self._style("hints--hover")
        parts: list[tuple[str, Style]] = []

        def add(text: str, style: Style) -> None:  # one run per style, as Textual's own footer
            if parts and parts[-1][1] == style:
                parts[-1] = (parts[-1][0] + text, style)
            else:
                parts.append((text, style))

        at = 0
        blank = Style()
        marks = sorted(
            [(h.start, h.end, h) for h in self.hints]
            + [(s, e, text) for s, e, text in self._labels],
            key=lambda mark: mark[0],
        )
        for start, end, what in marks:
            if start > at:
                add(" " * (start - at), blank)
            if isinstance(what, str):
                add(what, description)
            else:
                base = hover if what is self._hover else item
                dim = Style(dim=True) if not what.enabled else Style()
                if what.description:
                    add(f" {what.display} ", base + key + dim)
                    add(f"{what.description} ", base + description + dim)
                else:
                    add(what.display, base + key + dim)
            at = end
        self._line = Content.assemble(*parts)
        self.refresh()

    def _style(self, component: str) -> Style:
        return self.get_visual_style(component, partial=True)

    def text(self) -> str:
        """The hints as `key Description` items and group labels, in order (tests, logs)."""
        items = [(h.start, f"{h.display} {h.description}".strip()) for h in self.hints]
        items += [(start, text) for start, _end, text in self._labels]
        return "  ".join(text for _start, text in sorted(items))

    def render(self) -> Content:
        return self._line

    # --- the mouse ---------------------------------------------------------------------------

    def _at(self, x: int) -> Hint | None:
        return next((h for h in self.hints if h.start <= x < h.end), None)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        hint = self._at(event.x)
        if hint is not self._hover:
            self._hover = hint
            self.tooltip = (hint.tooltip or hint.description or None) if hint else None
            self._render_line()

    def on_leave(self, _event: events.Leave) -> None:
        if self._hover is not None:
            self._hover = None
            self.tooltip = None
            self._render_line()

    def on_mouse_down(self, event: events.MouseDown) -> None:
        hint = self._at(event.x)
        if hint is None:
            return
        if hint.enabled:
            self.app.simulate_key(hint.key)
        else:
            self.app.bell()


class HintsFooter(Horizontal):
    """The hints line and, docked right, the command palette's key (as Textual's Footer)."""

    DEFAULT_CSS = """
    HintsFooter {
        dock: bottom;
        height: 1;
        background: $footer-background;
        color: $footer-foreground;
        FooterKey.-command-palette {
            dock: right;
            padding-right: 1;
            border-left: vkey $foreground 20%;
        }
    }
    """

    def compose(self) -> ComposeResult:
        yield HintsBar()

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self.call_after_refresh(self._palette)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        if self.is_attached and screen is self.screen:
            self.query_one(HintsBar).show(screen)

    def _palette(self) -> None:
        app = self.app
        if not app.ENABLE_COMMAND_PALETTE:
            return
        found = self.screen.active_bindings.get(app.COMMAND_PALETTE_BINDING)
        if found is None:
            return
        _node, binding, enabled, _tooltip = found
        self.mount(
            FooterKey(
                binding.key,
                app.get_key_display(binding),
                binding.description,
                binding.action,
                classes="-command-palette",
                disabled=not enabled,
                tooltip=binding.tooltip or binding.description,
            )
        )
        self.query_one(HintsBar).show(self.screen)
