"""The group graph's layout: bands of boxes by dependency layer, and every edge drawn exactly.

Pure Python (no Textual): `layout()` takes the boxes (name, layer, height) and the edges, and says
where each box goes and which box-drawing characters draw the edges. The widget draws the boxes.

Where boxes go: one band per layer, never wrapped (a wide band scrolls). Top down, a band is
ordered by the mean position of what feeds each box (barycenter; ties keep the spec order) and
each box is placed under that mean if there is room; then, bottom up, a box that nothing feeds
moves over the middle of the boxes only it feeds. Box heights only decide y (`Layout.restack`).

How an edge is drawn, top-down (what makes the drawing exact):

- Each box with downstream edges has one port `┬` on its bottom border. In the routing gap below
  its band, its edges share one horizontal track: `│` down from the port, `─` along the track, and
  one drop per target, ending in `▼` just above the target's top border.
- An edge that skips layers passes each band in between in a lane: a `│` in a narrow slot of that
  band (a dummy node). A lane belongs to its source, so one lane per source and band carries all
  the source's longer edges; in each gap the lane is a source like a box.
- In one gap, a column carries the vertical line of at most one source (each edge has its own
  arrow column above its target, unless the target box runs out of columns), and tracks on one
  line never touch. Lines of two sources therefore meet only as a straight crossing `┼`, and every
  junction (`┬ ┴ ├ ┤ ╭ ╮ ╰ ╯`) joins lines of one source: following the lines down from a port
  reaches exactly that source's targets.
- A box with more incoming edges than free columns above it (a wide fan-in) gets a collector track
  below the source tracks: each edge drops onto it (`┴`) and one `▼` enters the box. Lines only go
  down or sideways, so from a source the collector leads only to its box.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

BOX = 32
"""Box width in cells: two boxes side by side fit 80 columns."""
GAP = 2
"""Columns between two items of a band."""
LANE = 3
"""Width of a pass-through slot for an edge that skips a band (its `│` is in one of them)."""

UP, DOWN, LEFT, RIGHT = 1, 2, 4, 8
GLYPHS = {
    UP | DOWN: "│",
    LEFT | RIGHT: "─",
    DOWN | RIGHT: "╭",
    DOWN | LEFT: "╮",
    UP | RIGHT: "╰",
    UP | LEFT: "╯",
    UP | DOWN | RIGHT: "├",
    UP | DOWN | LEFT: "┤",
    DOWN | LEFT | RIGHT: "┬",
    UP | LEFT | RIGHT: "┴",
}
CROSSING = "┼"
ARROW = "▼"
PORT = "┬"
"""The port on a source box's bottom border."""

Key = tuple[str, str]
"""Who owns a line in a gap: ("s", source) for a source's track, ("c", target) for a collector."""


@dataclass(frozen=True, slots=True)
class Node:
    name: str
    layer: int
    """Dependency depth; layers without boxes are skipped."""
    height: int
    """Lines of the box, borders included (at least 2)."""


class Vertical(NamedTuple):
    """A vertical line in a gap, rows `top`..`bottom` (gap-relative) at column `col`."""

    col: int
    top: int
    bottom: int
    owner: Key
    from_above: bool
    """It continues up out of the gap (from a port or a lane)."""
    end: str
    """"box" (`▼` into a box), "lane" (continues down into a lane) or "join" (ends on a track)."""


@dataclass(slots=True)
class Band:
    y: int
    height: int
    items: list[tuple[int, str | None]]
    """(x, box name) by x; a None name is a lane, drawn `│` at x on every line of the band."""
    starts: list[int] = field(default_factory=list)
    """The items' x, for bisecting to the visible part of a wide band."""


@dataclass(slots=True)
class Gap:
    """The routing lines between two bands."""

    y: int
    height: int
    verticals: list[Vertical] = field(default_factory=list)
    tracks: dict[int, list[tuple[int, int, Key]]] = field(default_factory=dict)
    """row -> (first column, last column, owner) of each horizontal track on it."""
    _rows: dict[int, tuple[list[tuple[int, str]], list[int]]] = field(default_factory=dict)

    def row(self, r: int) -> list[tuple[int, str]]:
        """The drawn runs `(x, text)` of gap row `r`, by x, not overlapping (made once, cached)."""
        return self._cached(r)[0]

    def window(self, r: int, left: int, right: int) -> list[tuple[int, str]]:
        """The runs of row `r` that show in columns [left, right)."""
        runs, starts = self._cached(r)
        first = max(bisect_right(starts, left) - 1, 0)
        if first < len(runs) and runs[first][0] + len(runs[first][1]) <= left:
            first += 1
        return runs[first : bisect_left(starts, right)]

    def _cached(self, r: int) -> tuple[list[tuple[int, str]], list[int]]:
        if r not in self._rows:
            runs = self._draw(r)
            self._rows[r] = runs, [x for x, _text in runs]
        return self._rows[r]

    def _draw(self, r: int) -> list[tuple[int, str]]:
        cells: dict[int, tuple[int, Key, str]] = {}  # col -> (bits, owner, how it ends here)
        for v in self.verticals:
            if v.top <= r <= v.bottom:
                bits = (UP if r > v.top or v.from_above else 0) | (
                    DOWN if r < v.bottom or v.end != "join" else 0
                )
                assert v.col not in cells, (r, v.col)  # one line per column and row
                cells[v.col] = (bits, v.owner, v.end if r == v.bottom else "")
        runs: list[tuple[int, str]] = []
        crossed: set[int] = set()
        cols = sorted(cells)
        for first, last, owner in self.tracks.get(r, []):
            text: list[str] = []
            x = first
            for col in cols[bisect_left(cols, first) : bisect_left(cols, last + 1)]:
                text.append("─" * (col - x))
                bits, vowner, end = cells[col]
                hbits = (LEFT if col > first else 0) | (RIGHT if col < last else 0)
                if vowner == owner or end == "join":
                    text.append(GLYPHS[bits | hbits])
                else:  # another source's line passes straight through this track
                    assert bits == UP | DOWN and hbits == LEFT | RIGHT, (r, col)
                    text.append(CROSSING)
                crossed.add(col)
                x = col + 1
            text.append("─" * (last + 1 - x))
            runs.append((first, "".join(text)))
        for col in cols:
            if col not in crossed:
                bits, _owner, end = cells[col]
                runs.append((col, ARROW if end == "box" else GLYPHS[bits]))
        runs.sort()
        return runs


@dataclass(slots=True)
class Layout:
    bands: list[Band]
    gaps: list[Gap]
    """gaps[i] lies between bands[i] and bands[i + 1]."""
    pos: dict[str, tuple[int, int]]
    """Box name -> (x, y) of its top-left corner."""
    heights: dict[str, int]
    ports: dict[str, int]
    """Box name -> column of its port `┬` (boxes with downstream edges)."""
    order: list[str]
    """Boxes in reading order: band by band, left to right."""
    width: int
    height: int
    starts: list[int] = field(default_factory=list)
    """First line of each band and gap, in order: band 0, gap 0, band 1, ..."""

    def at(self, y: int) -> tuple[Band | Gap, int]:
        """What line `y` is: a band and the offset in it, or a gap and its row."""
        slot = bisect_right(self.starts, y) - 1
        if slot % 2 == 0:
            return self.bands[slot // 2], y - self.starts[slot]
        return self.gaps[slot // 2], y - self.starts[slot]

    def restack(self, heights: Mapping[str, int]) -> None:
        """New box heights (a fold, a filter that hides tasks): only the y positions change."""
        self.heights = dict(heights)
        self.starts = []
        y = 0
        for k, band in enumerate(self.bands):
            band.y = y
            band.height = max(self.heights[name] for _x, name in band.items if name is not None)
            for x, name in band.items:
                if name is not None:
                    self.pos[name] = (x, y)
            self.starts.append(y)
            y += band.height
            if k < len(self.gaps):
                self.gaps[k].y = y
                self.starts.append(y)
                y += self.gaps[k].height
        self.height = y


def depths(upstream: Mapping[str, Sequence[str]]) -> dict[str, int]:
    """Dependency depth of each name: one more than its deepest upstream (cycles are broken).

    Iterative, so a chain of 10,000 groups is fine; upstream names not in the mapping are ignored.
    """
    depth: dict[str, int] = {}
    on_path: set[str] = set()
    for root in upstream:
        if root in depth:
            continue
        stack: list[tuple[str, int]] = [(root, 0)]
        on_path.add(root)
        while stack:
            name, i = stack[-1]
            ups = upstream[name]
            while i < len(ups) and (ups[i] not in upstream or ups[i] in depth or ups[i] in on_path):
                i += 1
            if i < len(ups):
                stack[-1] = (name, i + 1)
                stack.append((ups[i], 0))
                on_path.add(ups[i])
                continue
            stack.pop()
            on_path.discard(name)
            depth[name] = 1 + max((depth[u] for u in ups if u in depth), default=-1)
    return depth


def layout(nodes: Sequence[Node], edges: Iterable[tuple[str, str]], box: int = BOX) -> Layout:
    """Place `nodes` in bands and route `edges` (upstream, downstream) between them.

    Edges whose ends are not both among `nodes`, or that do not go to a later layer, are ignored.
    O(V + E + lanes) apart from sorting; the characters of a gap row are made when first asked.
    """
    index = {n.name: i for i, n in enumerate(nodes)}
    heights = {n.name: n.height for n in nodes}
    rank = {layer: i for i, layer in enumerate(sorted({n.layer for n in nodes}))}
    layer = {n.name: rank[n.layer] for n in nodes}
    count = len(rank)
    targets: dict[str, list[str]] = {}
    ups: dict[str, list[str]] = {}
    seen: set[tuple[str, str]] = set()
    for u, v in edges:
        if u in layer and v in layer and layer[u] < layer[v] and (u, v) not in seen:
            seen.add((u, v))
            targets.setdefault(u, []).append(v)
            ups.setdefault(v, []).append(u)
    last = {u: max(layer[v] for v in vs) for u, vs in targets.items()}
    reach: dict[str, dict[int, list[str]]] = {}  # source -> layer -> its targets there
    for u, vs in targets.items():
        for v in vs:
            reach.setdefault(u, {}).setdefault(layer[v], []).append(v)
    boxes_in: list[list[str]] = [[] for _ in range(count)]
    for n in nodes:
        boxes_in[layer[n.name]].append(n.name)
    lanes_in: list[list[str]] = [[] for _ in range(count)]
    for u in sorted(targets, key=index.__getitem__):
        for k in range(layer[u] + 1, last[u]):
            lanes_in[k].append(u)

    # 1. top down: order each band by where its feeders are (barycenter), place it under them
    slots: list[list[tuple[int, str, bool]]] = []  # per layer: (x, box name or lane's source, box)
    centre: list[dict[str, int]] = []  # per layer: box name or lane's source -> its middle column
    roots: set[str] = set()  # boxes with nothing feeding them from the band above
    for k in range(count):
        above = centre[k - 1] if k else {}
        order: list[tuple[bool, float, int, str, bool]] = []
        for name in boxes_in[k]:
            feeders = [above[u] for u in ups.get(name, []) if u in above]
            bary = sum(feeders) / len(feeders) if feeders else 0.0
            order.append((not feeders, bary, index[name], name, True))
            if not feeders:
                roots.add(name)
        for u in lanes_in[k]:
            order.append((False, float(above[u]), index[u], u, False))
        order.sort()
        x_next = 0
        placed: list[tuple[int, str, bool]] = []
        for no_feeders, bary, _i, name, is_box in order:
            width = box if is_box else LANE
            x = x_next if no_feeders else max(x_next, round(bary - width / 2))
            x_next = x + width + GAP
            placed.append((x, name, is_box))
        slots.append(placed)
        centre.append({name: x + (box if is_box else LANE) // 2 for x, name, is_box in placed})

    # 2. bottom up: a box nothing feeds moves over the middle of what only it feeds (in order)
    for k in range(count - 2, -1, -1):
        below = centre[k + 1]
        x_next = 0
        placed = []
        for x, name, is_box in slots[k]:
            width = box if is_box else LANE
            want = x
            if name in roots:
                kids = [below[v] for v in reach.get(name, {}).get(k + 1, []) if len(ups[v]) == 1]
                kids += [below[name]] if name in below else []  # its lane in the band below
                if kids:  # at most one step right of the first: a wide fan-out starts on screen
                    want = min(round(sum(kids) / len(kids)), min(kids) + box + GAP) - width // 2
            x = max(x_next, want)
            x_next = x + width + GAP
            placed.append((x, name, is_box))
        slots[k] = placed
        centre[k] = {name: x + (box if is_box else LANE) // 2 for x, name, is_box in placed}

    # 3. top down: ports, and each lane's column (straight under its source's line if it can)
    xs: dict[str, int] = {}  # box x
    lane_col: list[dict[str, int]] = [{} for _ in range(count)]  # per layer: source -> column
    ports: dict[str, int] = {}
    layer_ports: list[dict[str, int]] = [{} for _ in range(count)]  # per layer: source -> port
    rows_of: list[list[tuple[int, str | None]]] = []
    for k in range(count):
        above_ports = layer_ports[k - 1] if k else {}
        taken = set(above_ports.values())
        items: list[tuple[int, str | None]] = []
        for x, name, is_box in slots[k]:
            if is_box:
                xs[name] = x
                items.append((x, name))
                if name in targets:
                    ports[name] = layer_ports[k][name] = x + box // 2
                continue
            mine = above_ports[name]  # straight down from it if that is the source's only line
            alone = k not in reach[name]
            choices = [mine] if alone and x <= mine < x + LANE else []
            choices += [c for c in (x + 1, x, x + 2) if c not in taken]
            lane_col[k][name] = layer_ports[k][name] = choices[0]
            items.append((choices[0], None))
        rows_of.append(items)

    bands: list[Band] = []
    gaps: list[Gap] = []
    width = 0
    for k in range(count):
        items = rows_of[k]
        bands.append(Band(0, 0, items, [x for x, _n in items]))
        for x, item in items:
            width = max(width, x + (box if item is not None else 1))
        if k + 1 < count:
            gap = _route(0, layer_ports[k], lane_col[k + 1], boxes_in[k + 1], xs, reach, k, box)
            gaps.append(gap)
            for line in gap.verticals:
                width = max(width, line.col + 1)
            for spans in gap.tracks.values():
                width = max(width, spans[-1][1] + 1)
    order_names = [name for items in rows_of for _x, name in items if name is not None]
    plan = Layout(bands, gaps, {}, heights, ports, order_names, width, 0)
    plan.restack(heights)
    return plan


def _route(
    y: int,
    sources: dict[str, int],
    lanes_below: dict[str, int],
    boxes_below: list[str],
    xs: dict[str, int],
    reach: dict[str, dict[int, list[str]]],
    k: int,
    box: int,
) -> Gap:
    """The gap under band `k`: one track per source, a drop per edge, collectors for wide fan-ins."""
    owned: dict[int, Key] = {}
    for u, col in sources.items():
        owned[col] = ("s", u)
    for u, col in lanes_below.items():
        owned[col] = ("s", u)
    drops: dict[str, list[tuple[int, str]]] = {u: [] for u in sources}  # -> (col, "box"|"lane")
    for u, col in lanes_below.items():
        drops[u].append((col, "lane"))
    incoming: dict[str, list[str]] = {}
    fan_out: dict[str, int] = {}
    for u in sources:
        near = reach[u].get(k + 1, [])
        fan_out[u] = len(drops[u]) + len(near)
        for v in near:
            incoming.setdefault(v, []).append(u)
    collected: list[str] = []
    for v in boxes_below:
        feeders = sorted(incoming.get(v, []), key=lambda u: (sources[u], u))
        if not feeders:
            continue
        x = xs[v]
        lone = feeders[0]
        if len(feeders) == 1 and fan_out[lone] == 1 and x < sources[lone] < x + box - 1:
            drops[lone].append((sources[lone], "box"))  # straight down from the port
            continue
        free = [c for c in range(x + 1, x + box - 1) if c not in owned]
        if len(feeders) > len(free):
            collected.append(v)
            continue
        lo = 0
        for i, u in enumerate(feeders):
            hi = len(free) - (len(feeders) - i)  # leave room for the feeders after this one
            j = min(max(bisect_left(free, sources[u]), lo), hi)
            if j > lo and abs(free[j - 1] - sources[u]) <= abs(free[j] - sources[u]):
                j -= 1
            if abs(free[j] - sources[u]) == 1:  # not right beside its own port: `┬┴` reads badly
                step = 1 if free[j] > sources[u] else -1
                if lo <= j + step <= hi and abs(free[j + step] - sources[u]) > 1:
                    j += step
            owned[free[j]] = ("s", u)
            drops[u].append((free[j], "box"))
            lo = j + 1
            spaced = bisect_right(free, free[j] + 1)  # a blank column between two arrows
            if spaced <= len(free) - (len(feeders) - i - 1):
                lo = spaced

    # collectors: the down column above the box first, then one drop per feeder, near its port
    into: dict[str, int] = {}
    joins: dict[str, list[tuple[int, str]]] = {}  # source -> (col, collector target)
    for v in collected:
        x = xs[v]
        col = _nearest_free(owned, x + box // 2, x + 1, x + box - 2)
        owned[col] = ("c", v)
        into[v] = col
    for v in collected:
        for u in sorted(incoming[v], key=lambda u: (sources[u], u)):
            if fan_out[u] == 1 and owned.get(sources[u]) == ("s", u):
                col = sources[u]  # its only edge: the port's line goes straight onto the collector
            else:
                col = _nearest_free(owned, sources[u], 0, None)
                owned[col] = ("s", u)
            joins.setdefault(u, []).append((col, v))

    # tracks on rows: sources first, then collectors; spans on one row never touch
    spans: list[tuple[int, int, Key]] = []
    for u, port in sources.items():
        cols = {port} | {c for c, _kind in drops[u]} | {c for c, _v in joins.get(u, [])}
        if len(cols) > 1:
            spans.append((min(cols), max(cols), ("s", u)))
    collector_spans = [
        (min([into[v], *ins]), max([into[v], *ins]), ("c", v))
        for v in collected
        if (ins := [c for u in incoming[v] for c, w in joins[u] if w == v])
    ]
    row_of = _pack(spans, 0)
    row_of.update(_pack(collector_spans, max(row_of.values(), default=-1) + 1))
    height = max(row_of.values(), default=-1) + 2
    gap = Gap(y, height)
    bottom = height - 1
    for first, last, key in spans + collector_spans:
        gap.tracks.setdefault(row_of[key], []).append((first, last, key))
    for row in gap.tracks.values():
        row.sort()
    for u, port in sources.items():
        owner: Key = ("s", u)
        track = row_of.get(owner)
        if track is not None:
            gap.verticals.append(Vertical(port, 0, track, owner, True, "join"))
        for col, kind in drops[u]:
            top = 0 if track is None else track
            gap.verticals.append(Vertical(col, top, bottom, owner, track is None, kind))
        for col, v in joins.get(u, []):
            top = 0 if track is None else track
            gap.verticals.append(Vertical(col, top, row_of[("c", v)], owner, track is None, "join"))
    for v, col in into.items():
        gap.verticals.append(Vertical(col, row_of[("c", v)], bottom, ("c", v), False, "box"))
    return gap


def _nearest_free(owned: dict[int, Key], want: int, lo: int, hi: int | None) -> int:
    """The column nearest `want` in [lo, hi] that no line owns yet (right of the band if need be)."""
    for d in range(0, 1 << 30):
        for col in (want - d, want + d):
            if col >= lo and (hi is None or col <= hi) and col not in owned:
                return col
        if hi is not None and want - d < lo and want + d > hi:
            break
    raise ValueError("no free column")  # a box always has free columns above it


def _pack(spans: list[tuple[int, int, Key]], first_row: int) -> dict[Key, int]:
    """Rows for horizontal spans, greedily by left end, so that spans on a row leave a gap."""
    rows: dict[Key, int] = {}
    ends: list[tuple[int, int]] = []  # heap of (last column, row)
    count = 0
    for first, last, key in sorted(spans):
        if ends and ends[0][0] < first - 1:
            _end, row = heapq.heappop(ends)
        else:
            row, count = count, count + 1
        rows[key] = first_row + row
        heapq.heappush(ends, (last, row))
    return rows


def draw(plan: Layout, box: int = BOX) -> list[str]:
    """The whole picture as text, boxes as plain frames with their names (for tests and debugging)."""
    grid = [[" "] * plan.width for _ in range(plan.height)]
    for name, (x, y) in plan.pos.items():
        h = plan.heights[name]
        head = f"┌ {name} ".ljust(box - 1, "─")[: box - 1] + "┐"
        grid[y][x : x + box] = list(head)
        for o in range(1, h - 1):
            grid[y + o][x : x + box] = list("│" + " " * (box - 2) + "│")
        grid[y + h - 1][x : x + box] = list("└" + "─" * (box - 2) + "┘")
        if name in plan.ports:
            grid[y + h - 1][plan.ports[name]] = PORT
    for band in plan.bands:
        for x, item in band.items:
            if item is None:
                for o in range(band.height):
                    grid[band.y + o][x] = "│"
            elif item in plan.ports:
                for o in range(plan.heights[item], band.height):
                    grid[band.y + o][plan.ports[item]] = "│"
    for gap in plan.gaps:
        for r in range(gap.height):
            for x, text in gap.row(r):
                grid[gap.y + r][x : x + len(text)] = list(text)
    return ["".join(line).rstrip() for line in grid]
