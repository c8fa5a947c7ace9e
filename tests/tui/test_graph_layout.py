"""The group graph's layout: exact pictures of small DAGs, and a proof over random DAGs that the
drawn lines, followed down from each port, lead to exactly the drawn box's downstream groups."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

from hypothesis import given, settings
from hypothesis import strategies as hs

from osmo_tui.app.widgets.graph_layout import (
    BOX,
    DOWN,
    GLYPHS,
    LEFT,
    RIGHT,
    UP,
    Layout,
    Node,
    depths,
    draw,
    layout,
)

SMALL = 12
"""Narrow boxes keep the expected pictures readable; the geometry is the same at any width."""

CONNECTS = {glyph: bits for bits, glyph in GLYPHS.items()}
MOVES = {UP: (-1, 0), DOWN: (1, 0), LEFT: (0, -1), RIGHT: (0, 1)}
OPPOSITE = {UP: DOWN, DOWN: UP, LEFT: RIGHT, RIGHT: LEFT}


def plan_of(
    ups: Mapping[str, Sequence[str]], heights: Mapping[str, int] | None = None, box: int = SMALL
) -> Layout:
    depth = depths(ups)
    nodes = [Node(n, depth[n], (heights or {}).get(n, 3)) for n in ups]
    return layout(nodes, [(u, v) for v, us in ups.items() for u in us], box=box)


def picture(ups: Mapping[str, Sequence[str]], **kw: object) -> str:
    return "\n".join(draw(plan_of(ups), box=SMALL)) + "\n"


def read_edges(plan: Layout, box: int = SMALL) -> set[tuple[str, str]]:
    """The edges the picture shows: from each box's port `┬`, follow the lines down and sideways
    (never up; straight on through `┼`) to every `▼`, and name the box under it.

    Fails if a line runs into a box other than through `▼`, if a glyph does not connect to the
    line that reaches it, or if any line in the picture is not reached from a port."""
    lines = draw(plan, box=box)
    grid = [line.ljust(plan.width) for line in lines]
    box_at: dict[tuple[int, int], str] = {}
    for name, (x, y) in plan.pos.items():
        for row in range(y, y + plan.heights[name]):
            for col in range(x, x + box):
                assert (row, col) not in box_at, f"{name} overlaps {box_at[(row, col)]}"
                box_at[(row, col)] = name
    found: set[tuple[str, str]] = set()
    visited: set[tuple[int, int]] = set()
    for name, (x, y) in plan.pos.items():
        foot = y + plan.heights[name] - 1
        ports = [c for c in range(x, x + box) if grid[foot][c] == "┬"]
        assert len(ports) <= 1, name
        todo = [(foot + 1, ports[0], UP)] if ports else []
        seen: set[tuple[int, int, int]] = set()
        while todo:
            row, col, entered = todo.pop()
            if (row, col, entered) in seen:
                continue
            seen.add((row, col, entered))
            visited.add((row, col))
            assert (row, col) not in box_at, f"a line from {name} runs into a box at {row},{col}"
            glyph = grid[row][col]
            if glyph == "▼":
                assert entered == UP
                target = box_at[(row + 1, col)]  # the box right under the arrow, at its head
                assert plan.pos[target][1] == row + 1
                found.add((name, target))
                continue
            if glyph == "┼":
                exits = {OPPOSITE[entered]}
            else:
                bits = CONNECTS.get(glyph, 0)
                assert bits & entered, f"{glyph!r} at {row},{col} does not connect to {name}'s line"
                exits = {d for d in MOVES if bits & d and d not in (entered, UP)}
            for d in exits:
                dr, dc = MOVES[d]
                todo.append((row + dr, col + dc, OPPOSITE[d]))
    stray = {
        (r, c)
        for r, line in enumerate(grid)
        for c, ch in enumerate(line)
        if ch != " " and (r, c) not in box_at and (r, c) not in visited
    }
    assert not stray, f"lines that lead from no port: {sorted(stray)[:5]}"
    return found


def edge_set(ups: Mapping[str, Sequence[str]]) -> set[tuple[str, str]]:
    return {(u, v) for v, us in ups.items() for u in us}


def check(ups: Mapping[str, Sequence[str]], box: int = SMALL) -> Layout:
    plan = plan_of(ups, box=box)
    assert read_edges(plan, box) == edge_set(ups)
    return plan


def test_a_chain_is_one_straight_line() -> None:
    ups = {"A": [], "B": ["A"], "C": ["B"]}
    assert picture(ups) == (
        "┌ A ───────┐\n"
        "│          │\n"
        "└─────┬────┘\n"
        "      ▼\n"
        "┌ B ───────┐\n"
        "│          │\n"
        "└─────┬────┘\n"
        "      ▼\n"
        "┌ C ───────┐\n"
        "│          │\n"
        "└──────────┘\n"
    )
    check(ups)


def test_a_fan_out_shares_one_track() -> None:
    ups = {"A": [], "B": ["A"], "C": ["A"], "D": ["A"]}
    assert picture(ups) == (
        "              ┌ A ───────┐\n"
        "              │          │\n"
        "              └─────┬────┘\n"
        "          ╭───────┬─┴────────╮\n"
        "          ▼       ▼          ▼\n"
        "┌ B ───────┐  ┌ C ───────┐  ┌ D ───────┐\n"
        "│          │  │          │  │          │\n"
        "└──────────┘  └──────────┘  └──────────┘\n"
    )
    check(ups)


def test_a_fan_in_has_one_arrow_per_edge() -> None:
    ups = {"A": [], "B": [], "C": [], "D": ["A", "B", "C"]}
    assert picture(ups) == (
        "┌ A ───────┐  ┌ B ───────┐  ┌ C ───────┐\n"
        "│          │  │          │  │          │\n"
        "└─────┬────┘  └─────┬────┘  └─────┬────┘\n"
        "      ╰────────╮  ╭─╯   ╭─────────╯\n"
        "               ▼  ▼     ▼\n"
        "              ┌ D ───────┐\n"
        "              │          │\n"
        "              └──────────┘\n"
    )
    check(ups)


def test_a_diamond() -> None:
    ups = {"A": [], "B": ["A"], "C": ["A"], "D": ["B", "C"]}
    assert picture(ups) == (
        "       ┌ A ───────┐\n"
        "       │          │\n"
        "       └─────┬────┘\n"
        "          ╭──┴─╮\n"
        "          ▼    ▼\n"
        "┌ B ───────┐  ┌ C ───────┐\n"
        "│          │  │          │\n"
        "└─────┬────┘  └─────┬────┘\n"
        "      ╰─╮        ╭──╯\n"
        "        ▼        ▼\n"
        "       ┌ D ───────┐\n"
        "       │          │\n"
        "       └──────────┘\n"
    )
    check(ups)


def test_a_skip_edge_passes_the_band_between_in_a_lane() -> None:
    ups = {"A": [], "B": ["A"], "C": ["B", "A"]}
    assert picture(ups) == (
        "    ┌ A ───────┐\n"
        "    │          │\n"
        "    └─────┬────┘\n"
        "     ╭────┴─╮\n"
        "     │      ▼\n"
        "     │   ┌ B ───────┐\n"
        "     │   │          │\n"
        "     │   └─────┬────┘\n"
        "     ╰─╮     ╭─╯\n"
        "       ▼     ▼\n"
        "    ┌ C ───────┐\n"
        "    │          │\n"
        "    └──────────┘\n"
    )
    check(ups)


def test_two_sources_into_crossing_targets() -> None:
    # A and B both feed C and D: their tracks overlap, so they take two lines and cross as `┼`
    ups = {"A": [], "B": [], "C": ["A", "B"], "D": ["A", "B"]}
    assert picture(ups) == (
        "┌ A ───────┐  ┌ B ───────┐\n"
        "│          │  │          │\n"
        "└─────┬────┘  └─────┬────┘\n"
        "      ╰─┬───────────┼─╮\n"
        "        │        ╭──┴─┼─╮\n"
        "        ▼        ▼    ▼ ▼\n"
        "       ┌ C ───────┐  ┌ D ───────┐\n"
        "       │          │  │          │\n"
        "       └──────────┘  └──────────┘\n"
    )
    check(ups)


def test_barycenter_order_avoids_needless_crossings() -> None:
    # spec order X, Y, Z would cross B's and A's lines; the upstream positions order them Z, Y, X
    ups = {"A": [], "B": [], "X": ["B"], "Y": ["A", "B"], "Z": ["A"]}
    assert picture(ups) == (
        "┌ A ───────┐                ┌ B ───────┐\n"
        "│          │                │          │\n"
        "└─────┬────┘                └─────┬────┘\n"
        "    ╭─┴────────╮        ╭───────┬─╯\n"
        "    ▼          ▼        ▼       ▼\n"
        "┌ Z ───────┐  ┌ Y ───────┐  ┌ X ───────┐\n"
        "│          │  │          │  │          │\n"
        "└──────────┘  └──────────┘  └──────────┘\n"
    )
    assert check(ups).order == ["A", "B", "Z", "Y", "X"]


def test_a_layer_wider_than_the_screen_stays_one_band() -> None:
    ups: dict[str, list[str]] = {"root": []}
    ups.update({f"w{i:02d}": ["root"] for i in range(30)})
    ups["sink"] = [f"w{i:02d}" for i in range(30)]
    plan = check(ups, box=BOX)
    assert len(plan.bands) == 3 and plan.width > 30 * BOX
    assert {plan.pos[f"w{i:02d}"][1] for i in range(30)} == {plan.pos["w00"][1]}
    xs = [plan.pos[f"w{i:02d}"][0] for i in range(30)]
    assert xs == sorted(xs)  # left to right in a stable order
    assert plan.pos["root"][0] <= BOX + 2  # over the start of its fan-out, not far off screen


def test_a_fan_in_wider_than_the_box_uses_a_collector() -> None:
    ups: dict[str, list[str]] = {f"s{i:02d}": [] for i in range(40)}
    ups["sink"] = list(ups)
    plan = check(ups)
    assert "\n".join(draw(plan, box=SMALL)).count("▼") == 1


def test_layers_without_boxes_are_skipped_and_short_boxes_extend_their_port() -> None:
    nodes = [Node("A", 0, 5), Node("B", 0, 2), Node("C", 4, 3)]
    plan = layout(nodes, [("B", "C"), ("A", "C"), ("C", "A")], box=SMALL)
    assert len(plan.bands) == 2
    assert read_edges(plan) == {("A", "C"), ("B", "C")}  # the backwards edge is not drawn


def test_depths_are_iterative_and_survive_cycles() -> None:
    chain = {f"g{i}": [f"g{i - 1}"] if i else [] for i in range(5000)}
    assert depths(chain)["g4999"] == 4999
    assert depths({"a": ["b"], "b": ["a"], "c": ["a", "missing"]})["c"] in (1, 2)


@hs.composite
def dags(draw_: hs.DrawFn) -> dict[str, list[str]]:
    count = draw_(hs.integers(1, 14))
    names = [f"n{i}" for i in range(count)]
    ups: dict[str, list[str]] = {}
    for i, name in enumerate(names):
        ups[name] = [u for u in names[:i] if draw_(hs.integers(0, 3)) == 0]
    return ups


@settings(max_examples=300, deadline=None)
@given(dags(), hs.integers(2, 6), hs.randoms(use_true_random=False))
def test_the_drawing_shows_exactly_the_edges(
    ups: dict[str, list[str]], height: int, rnd: random.Random
) -> None:
    depth = depths(ups)
    spread = {n: depth[n] * 2 + rnd.randint(0, 1) for n in ups}  # layers with holes, as filtered
    ok = all(spread[u] < spread[v] for v, us in ups.items() for u in us)
    nodes = [Node(n, spread[n] if ok else depth[n], rnd.randint(2, height)) for n in ups]
    plan = layout(nodes, [(u, v) for v, us in ups.items() for u in us], box=SMALL)
    assert read_edges(plan) == edge_set(ups)
    assert sorted(plan.order) == sorted(ups)


def test_big_random_dags_are_drawn_exactly() -> None:
    rnd = random.Random(7)
    for size, density in ((60, 0.08), (120, 0.03), (50, 0.5)):
        names = [f"g{i}" for i in range(size)]
        ups = {n: [u for u in names[:i] if rnd.random() < density] for i, n in enumerate(names)}
        check(ups)


def test_restacking_new_heights_equals_a_fresh_layout() -> None:
    ups = {"A": [], "B": ["A"], "C": ["A"], "D": ["B", "C", "A"]}
    depth = depths(ups)
    edges = [(u, v) for v, us in ups.items() for u in us]
    plan = layout([Node(n, depth[n], 3) for n in ups], edges, box=SMALL)
    taller = {"A": 2, "B": 6, "C": 3, "D": 4}
    plan.restack(taller)
    fresh = layout([Node(n, depth[n], taller[n]) for n in ups], edges, box=SMALL)
    assert draw(plan, box=SMALL) == draw(fresh, box=SMALL)
    assert plan.pos == fresh.pos and plan.height == fresh.height
    assert read_edges(plan) == edge_set(ups)


def test_a_gap_row_window_holds_exactly_the_runs_in_view() -> None:
    ups: dict[str, list[str]] = {"root": []}
    ups.update({f"w{i:02d}": ["root"] for i in range(12)})
    gap = plan_of(ups).gaps[0]
    for r in range(gap.height):
        runs = gap.row(r)
        for left in range(0, 200, 7):
            for right in (left + 1, left + 13, left + 80):
                want = [(x, t) for x, t in runs if x < right and x + len(t) > left]
                assert gap.window(r, left, right) == want


@settings(max_examples=40, deadline=None)
@given(hs.integers(28, 45), hs.integers(1, 4), hs.randoms(use_true_random=False))
def test_wide_fan_ins_mixed_with_other_edges_are_drawn_exactly(
    sources: int, sinks: int, rnd: random.Random
) -> None:
    """Collectors (more edges into a box than columns above it) next to plain drops and lanes."""
    ups: dict[str, list[str]] = {f"s{i}": [] for i in range(sources)}
    for j in range(sinks):
        ups[f"t{j}"] = [s for s in list(ups)[:sources] if rnd.random() < 0.8]
    ups["late"] = [f"s{i}" for i in range(sources) if rnd.random() < 0.3] + ["t0"]
    plan = check(ups)
    assert sorted(plan.order) == sorted(ups)
