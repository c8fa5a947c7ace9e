"""The footer offers what applies now (Pause reads Resume while paused; task keys once a task
is selected) and fits the terminal; `?` explains every glyph the views draw."""

from __future__ import annotations

import pytest

from osmo_tui.app import style as st
from osmo_tui.app.app import make_app
from osmo_tui.app.keys import LEGEND, Context, bindings
from osmo_tui.app.screens.help import HelpScreen
from tests.tui.conftest import settle, wait_for
from tests.tui.plans import small_plan
from tests.tui.screen_text import screen_text

pytestmark = pytest.mark.anyio


def footer(app: object) -> str:
    """The footer's hints as shown: `key description` items, groups as `keys label`."""
    from osmo_tui.app.widgets.footer import HintsBar

    return app.screen.query_one(HintsBar).text()  # type: ignore[attr-defined,no-any-return]


async def test_pause_reads_resume_while_paused_and_task_keys_follow_the_selection() -> None:
    # slow playback: the run is still going however long a loaded machine takes to draw
    app = make_app(plan=small_plan(), speed=0.05, keymap={})
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: "space Pause" in footer(app))
        assert "c Cancel" in footer(app)
        assert "x Cancel task" not in footer(app)
        await pilot.press("space")
        await wait_for(pilot, lambda: "space Resume" in footer(app))
        await pilot.press("down")  # a task is selected: its keys appear
        await wait_for(pilot, lambda: "x Cancel task" in footer(app))
        assert "v Log/Spec" in footer(app)
        assert "n Step" in footer(app)  # paused: stepping applies
        await pilot.press("space")
        await wait_for(pilot, lambda: "space Pause" in footer(app))


async def test_a_finished_run_offers_why_and_no_run_control(
    scenario: object,
) -> None:
    from simulator.run import RunRequest

    path = scenario("tasks:\n  train-model: {exit_code: 3}\n")  # type: ignore[operator]
    app = make_app(RunRequest(scenario=path, record=False), plan=small_plan(), keymap={})
    app.playback.speed = float("inf")
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        app.main_screen.update_header()
        await pilot.pause(0.1)
        text = footer(app)
        assert "w Why" in text and "[  ]  Scrub" in text
        assert "c Cancel" not in text and "space" not in text


def test_the_footer_keeps_the_most_useful_hints_when_narrow() -> None:
    ctx = Context(selected=True, running=True, failed=True, width=40)
    shown = [b.description for b in bindings(ctx) if b.show]
    assert shown[:2] == ["Help", "Cancel task"] and "Quit" not in shown
    wide = [b.description for b in bindings(Context(selected=True, running=True)) if b.show]
    assert {"Quit", "Re-run", "Cancel", "Cancel group", "Views", "Edit"} <= set(wide)


async def test_help_has_a_legend_of_every_glyph() -> None:
    glyphs = " ".join(glyph for glyph, _ in LEGEND)
    for needed in ("★", "▾", "▸", "⇡", "⊘", "x3000", "1g", "arm64", "↺", *st.SYMBOLS.values()):
        assert needed in glyphs, needed
    app = make_app(plan=small_plan(), speed=1.0, paused=True, keymap={})
    async with app.run_test(size=(100, 60)) as pilot:
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        # the legend comes after every key: scroll the help to its end, as a user would
        from textual.containers import VerticalScroll

        app.screen.query_one(VerticalScroll).scroll_end(animate=False)
        await wait_for(pilot, lambda: "failed upstream" in screen_text(app))
        assert "Legend" in screen_text(app)


async def test_a_click_on_a_hint_presses_its_key_and_hovering_names_it() -> None:
    """The footer is one line, not a widget per key: a click still presses the key under the
    pointer, hovering still highlights it and shows its tooltip, and the palette key is there."""
    from textual.widgets._footer import FooterKey

    from osmo_tui.app.widgets.footer import HintsBar

    app = make_app(plan=small_plan(), speed=float("inf"), keymap={})
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        bar = app.screen.query_one(HintsBar)
        help_hint = next(h for h in bar.hints if h.description == "Help")
        assert str(app.screen.query_one(FooterKey).key_display) == "^p"
        await pilot.hover(HintsBar, offset=(help_hint.start + 1, 0))
        await wait_for(pilot, lambda: bar._hover is help_hint)
        assert bar.tooltip == help_hint.tooltip or bar.tooltip == "Help"
        line = bar.render()
        hovered = line.plain[help_hint.start : help_hint.end]
        assert hovered.strip().startswith(help_hint.display)
        other = next(h for h in bar.hints if h is not help_hint and h.description)

        def styles_at(x: int) -> list[object]:
            return [span.style for span in line.spans if span.start <= x < span.end]

        assert styles_at(help_hint.start) != styles_at(other.start)  # highlighted
        await pilot.click(HintsBar, offset=(help_hint.start + 1, 0))
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen))
        # a gap between two hints presses nothing
        gaps = [x for x in range(bar.size.width) if bar._at(x) is None]
        assert gaps
        await pilot.click(HintsBar, offset=(gaps[-1], 0))
        await pilot.pause(0.1)
        assert not isinstance(app.screen, HelpScreen)
