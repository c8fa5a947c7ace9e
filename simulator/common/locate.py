"""From a path in the rendered spec to `file:line:col` of the source (or of the rendered text)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from simulator.common.yamlpos import Path, Positions
from simulator.errors import Location

_WORD = re.compile(r"[\w-]+:?")
_FOR = re.compile(r"{%-?\s*for\b")
_ENDFOR = re.compile(r"{%-?\s*endfor\b")
_MAX_CANDIDATES = 400
"""Template lines compared with one rewritten line, at most (the nearest ones)."""
_MAX_GUESSES = 2000
"""Rewritten lines we try to place per file; further ones stay "in rendered spec"."""
_EXACT_ALIGN_LINES = 400
"""Up to this many changed lines, difflib aligns them; beyond, its matcher is quadratic on the
repeated lines of big templates (`image: x` per task: minutes for 2,000 tasks), so lines unique
on both sides anchor the alignment (patience diff) and difflib only fills small gaps."""


class LineMap:
    """Maps 0-based lines of the rendered `workflow:` section to 0-based lines of the file.

    Lines Jinja left untouched map exactly (prefix, suffix, then difflib's equal blocks). A line
    Jinja rewrote (`name: {{ wf }}`) or a loop produced (every iteration of a `{% for %}` body)
    maps, when asked, to the most similar template line between its exact neighbours or inside
    a loop body; a line with no similar template line (text produced by an expression) has no
    source line and is reported "in rendered spec".
    """

    def __init__(self, section: str, rendered: str | None, first_line: int) -> None:
        self.first_line = first_line
        self.identity = rendered is None or rendered == section
        self._src = section.splitlines()
        self._out = (rendered or section).splitlines()
        self._exact: dict[int, int] = {}
        self._anchors: list[int] = []
        self._guessed: dict[int, int | None] = {}
        self._loop_lines: list[int] = []
        if not self.identity:
            self._align()
            self._loop_lines = _loop_body_lines(self._src)

    def _align(self) -> None:

        src, out = self._src, self._out
        head = 0
        while head < min(len(src), len(out)) and src[head] == out[head]:
            self._exact[head] = head
            head += 1
        tail = 0
        while tail < min(len(src), len(out)) - head and src[-1 - tail] == out[-1 - tail]:
            self._exact[len(out) - 1 - tail] = len(src) - 1 - tail
            tail += 1
        a, b = src[head : len(src) - tail], out[head : len(out) - tail]
        for i, j, size in _equal_blocks(a, b):
            for k in range(size):
                self._exact[head + j + k] = head + i + k
        self._anchors = sorted(self._exact)

    def _guess(self, line: int) -> int | None:
        """The template line that most likely produced rendered `line` (None if none does)."""
        import bisect
        import difflib

        if line in self._guessed:
            return self._guessed[line]
        if len(self._guessed) >= _MAX_GUESSES:
            return None
        at = bisect.bisect_left(self._anchors, line)
        low = self._exact[self._anchors[at - 1]] + 1 if at > 0 else 0
        high = self._exact[self._anchors[at]] if at < len(self._anchors) else len(self._src)
        gap = [i for i in range(low, max(low, high)) if not _control(self._src[i])]
        nearest = sorted(set(gap) | set(self._loop_lines), key=lambda i: abs(i - low))
        out = self._out[line]
        best, best_ratio = None, 0.6
        for i in nearest[:_MAX_CANDIDATES]:
            src = self._src[i]
            if src == out:
                best = i
                break
            ratio = difflib.SequenceMatcher(None, src, out, autojunk=False).ratio()
            if ratio > best_ratio:
                best, best_ratio = i, ratio
        self._guessed[line] = best
        return best

    def source(self, line: int, column: int) -> tuple[int, int] | None:
        """0-based (line, column) of the file, or None when the line only exists rendered."""
        if self.identity:
            return self.first_line + line, column
        if line in self._exact:
            return self.first_line + self._exact[line], column
        if not 0 <= line < len(self._out):
            return None
        src_line = self._guess(line)
        if src_line is None:
            return None
        src_text, out_text = self._src[src_line], self._out[line]
        if src_text[:column] != out_text[:column]:
            column = _same_word(src_text, out_text, column)
        return self.first_line + src_line, column


def _control(text: str) -> bool:
    """A Jinja statement or comment line: it never becomes a line of the rendered spec."""
    stripped = text.strip()
    return stripped.startswith(("{%", "{#")) or not stripped


def _loop_body_lines(src: list[str]) -> list[int]:
    """Template lines inside `{% for %}` blocks (their iterations are repeated in the output)."""
    found: list[int] = []
    depth = 0
    for i, text in enumerate(src):
        opened, closed = len(_FOR.findall(text)), len(_ENDFOR.findall(text))
        if depth and not _control(text):
            found.append(i)
        depth = max(0, depth + opened - closed)
    return found


def _same_word(src: str, out: str, column: int) -> int:
    """Column in `src` of the word found at `column` of `out` (if unique), else the indent."""
    match = _WORD.match(out, column)
    if match and src.count(match.group(0)) == 1:
        return src.index(match.group(0))
    return len(src) - len(src.lstrip())


@dataclass
class Locator:
    """Everything needed to say where a path of the spec is."""

    file: str
    positions: Positions | None = None
    linemap: LineMap | None = None

    def at(self, line: int | None, column: int | None = 0) -> Location:
        """Location of a 0-based (line, column) of the rendered section."""
        if line is None:
            return Location(self.file)
        column = column or 0
        if self.linemap is None:
            return Location(self.file, line + 1, column + 1)
        mapped = self.linemap.source(line, column)
        if mapped is None:
            return Location(self.file, line + 1, column + 1, rendered=True)
        return Location(self.file, mapped[0] + 1, mapped[1] + 1)

    def of(self, path: Path, *, key: bool = False) -> Location:
        """Location of the value at `path` (of its key with `key=True`), else of its ancestor."""
        if self.positions is None:
            return Location(self.file)
        found = self.positions.of(path, prefer_key=key)
        if found is None:
            return Location(self.file)
        return self.at(*found)


def _equal_blocks(a: list[str], b: list[str]) -> list[tuple[int, int, int]]:
    """(i, j, size) blocks of equal lines of `a` and `b`, in order."""
    import difflib

    if len(a) <= _EXACT_ALIGN_LINES and len(b) <= _EXACT_ALIGN_LINES:
        matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
        return [block for block in matcher.get_matching_blocks() if block[2]]
    blocks: list[tuple[int, int, int]] = []
    ai = bj = 0
    for i, j in [*_unique_anchors(a, b), (len(a), len(b))]:
        if i - ai <= _EXACT_ALIGN_LINES and j - bj <= _EXACT_ALIGN_LINES:
            inner = _equal_blocks(a[ai:i], b[bj:j])
            blocks += [(ai + x, bj + y, n) for x, y, n in inner]
        if i < len(a):
            blocks.append((i, j, 1))
        ai, bj = i + 1, j + 1
    return blocks


def _unique_anchors(a: list[str], b: list[str]) -> list[tuple[int, int]]:
    """Pairs of lines that occur once in each text, longest run in order on both sides."""
    import bisect
    from collections import Counter

    count_a, count_b = Counter(a), Counter(b)
    in_b = {line: j for j, line in enumerate(b) if count_b[line] == 1}
    pairs = [(i, in_b[line]) for i, line in enumerate(a) if count_a[line] == 1 and line in in_b]
    tails: list[int] = []  # patience sorting: the longest increasing run of j
    tail_at: list[int] = []
    previous: list[int] = []
    for index, (_, j) in enumerate(pairs):
        slot = bisect.bisect_left(tails, j)
        if slot == len(tails):
            tails.append(j)
            tail_at.append(index)
        else:
            tails[slot], tail_at[slot] = j, index
        previous.append(tail_at[slot - 1] if slot else -1)
    chain: list[tuple[int, int]] = []
    at = tail_at[-1] if tail_at else -1
    while at >= 0:
        chain.append(pairs[at])
        at = previous[at]
    return chain[::-1]
