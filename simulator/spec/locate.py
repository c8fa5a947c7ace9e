"""From a path in the rendered spec to `file:line:col` of the source (or of the rendered text)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from simulator.errors import Location
from simulator.spec.yamlpos import Path, Positions

_WORD = re.compile(r"[\w-]+:?")
_MAX_FUZZY = 20000
"""Above this many line pairs in one rewritten block, rewritten lines stay "in rendered spec"."""


class LineMap:
    """Maps 0-based lines of the rendered `workflow:` section to 0-based lines of the file.

    Lines Jinja left untouched map exactly; a line Jinja rewrote (`name: {{ wf }}`, each
    iteration of a loop body) maps to the most similar template line of its block; lines with
    no similar template line (text produced by an expression) are reported "in rendered spec".
    """

    def __init__(self, section: str, rendered: str | None, first_line: int) -> None:
        self.first_line = first_line
        self.identity = rendered is None or rendered == section
        self._map: dict[int, int] = {}
        self._exact: set[int] = set()
        self._src = section.splitlines()
        self._out = (rendered or section).splitlines()
        if not self.identity:
            self._build()

    def _build(self) -> None:
        import difflib  # only rendered templates need it (start-up time)

        src, out = self._src, self._out
        head = 0
        while head < min(len(src), len(out)) and src[head] == out[head]:
            self._map[head] = head
            self._exact.add(head)
            head += 1
        tail = 0
        while (
            tail < min(len(src), len(out)) - head
            and src[len(src) - 1 - tail] == out[len(out) - 1 - tail]
        ):
            i, j = len(out) - 1 - tail, len(src) - 1 - tail
            self._map[i] = j
            self._exact.add(i)
            tail += 1
        a, b = src[head : len(src) - tail], out[head : len(out) - tail]
        matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                for k in range(j2 - j1):
                    self._map[head + j1 + k] = head + i1 + k
                    self._exact.add(head + j1 + k)
            elif tag == "replace":
                self._best_matches(head, i1, i2, j1, j2)

    def _best_matches(self, head: int, i1: int, i2: int, j1: int, j2: int) -> None:
        """Rewritten lines map to the most similar template line of their block (each iteration
        of a loop body to the body's line); Jinja control lines are never a target."""
        import difflib

        if (i2 - i1) * (j2 - j1) > _MAX_FUZZY:
            return
        sources = [
            (i, self._src[head + i])
            for i in range(i1, i2)
            if "{%" not in self._src[head + i] and "{#" not in self._src[head + i]
        ]
        for j in range(j1, j2):
            out = self._out[head + j]
            best, best_ratio = None, 0.6
            for i, src in sources:
                ratio = difflib.SequenceMatcher(None, src, out, autojunk=False).ratio()
                if ratio > best_ratio:
                    best, best_ratio = i, ratio
            if best is not None:
                self._map[head + j] = head + best

    def source(self, line: int, column: int) -> tuple[int, int] | None:
        """0-based (line, column) of the file, or None when the line only exists rendered."""
        if self.identity:
            return self.first_line + line, column
        if line not in self._map:
            return None
        src_line = self._map[line]
        if line not in self._exact:
            src_text, out_text = self._src[src_line], self._out[line]
            if src_text[:column] != out_text[:column]:
                column = _same_word(src_text, out_text, column)
        return self.first_line + src_line, column


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
