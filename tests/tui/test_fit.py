"""Names that do not fit are cut with an ellipsis, never silently."""

from __future__ import annotations

from rich.cells import cell_len

from osmo_tui.app.style import fit


def test_fit_pads_short_text_and_marks_a_cut() -> None:
    assert fit("train", 8) == "train   "
    assert fit("preprocess-shard-0001", 12) == "preprocess-…"
    assert cell_len(fit("数据处理任务", 5)) == 5  # wide characters count as two cells
    assert fit("x", 0) == ""
