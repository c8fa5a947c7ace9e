"""RunHeader: workflow name and id, status, backend, elapsed time, speed and counts per status."""

from __future__ import annotations

from collections.abc import Callable

from textual.content import Content
from textual.widgets import Static

from osmo_tui.app import style as st
from simulator.engine.snapshot import RunSnapshot

ORDER = ("WAITING", "SCHEDULING", "INITIALIZING", "RUNNING", "COMPLETED", "RESCHEDULED")


class RunHeader(Static):
    """Two lines; the second is the per-status counters."""

    def __init__(self, *, clock: Callable[[], float], id: str | None = None) -> None:
        super().__init__("", id=id)
        self.clock = clock
        self.started_at: float | None = None
        """Wall-clock start of a real-time run (virtual runs show virtual time)."""
        self._shown = Content("")
        self._counted: tuple[RunSnapshot | None, int, list[str | tuple[str, str]]] = (None, 0, [])
        """(the snapshot, its event count then, the counters drawn for it)."""

    def show(
        self,
        snap: RunSnapshot | None,
        *,
        title: str,
        mode: str,
        realtime: bool,
        note: str = "",
        virtual_now: float | None = None,
        capabilities: tuple[str, tuple[str, ...]] = ("", ()),
        ended: str = "",
    ) -> None:
        """`ended`: a replay whose record stops unfinished shows `UNKNOWN: why`, not RUNNING.

        Built as Content pieces, not markup: a header repaints with every batch of events, and
        parsing its markup cost ~1 ms a time (35x the pieces)."""
        muted = st.MUTED
        if snap is None:
            self._set(
                Content.assemble(
                    (title, "bold"), "  ", ("no valid version yet", "#ff5f5f"), "\n", note
                )
            )
            return
        if realtime and self.started_at is not None:
            elapsed = f"{st.duration(self.clock() - self.started_at) or '0s'} real"
        else:
            now = max(snap.time, virtual_now or 0.0)
            elapsed = f"{st.duration(now) or '0s'} virtual"
        status: tuple[str, str] = (
            f"{st.symbol(snap.status)} {snap.status}",
            st.colour(snap.status),
        )
        if ended:
            kind, _, why = ended.partition(": ")
            status = (f"? {kind}", muted)
            note = f"{why} · {note}" if note else why
        parts: list[str | tuple[str, str]] = [
            (snap.workflow, "bold"),
            " ",
            (snap.workflow_id, muted),
            "  ",
            status,
            f"  {mode}  {elapsed}  ",
            ("on", muted),
            f" {snap.backend or '?'}",
        ]
        summary, notes = capabilities
        if summary:
            parts += [" ", (f"({summary})", muted)]
        tooltip = "\n".join(notes) or None
        if tooltip != self.tooltip:  # setting it costs a tooltip update on the screen
            self.tooltip = tooltip
        parts.append("\n")
        parts += self._counters(snap)
        if note:
            parts += ["  ", (note, muted)]
        self._set(Content.assemble(*parts))

    def _counters(self, snap: RunSnapshot) -> list[str | tuple[str, str]]:
        """`▶ running 3  ✔ completed 12 …`, counted again only when the snapshot took events."""
        counted, events, _parts = self._counted
        if counted is not snap or events != snap.events:
            counts = {str(k): n for k, n in snap.counts().items()}
            keys = [k for k in ORDER if counts.get(k)]
            keys += sorted(k for k in counts if k.startswith("FAILED"))
            parts: list[str | tuple[str, str]] = []
            for i, k in enumerate(keys):
                if i:
                    parts.append("  ")
                parts.append((f"{st.symbol(k)} {k.lower()} {counts[k]}", st.colour(k)))
            self._counted = (snap, snap.events, parts)
        return self._counted[2]

    def _set(self, content: Content) -> None:
        """Show it, unless it is what is shown (the header's two lines never change its size)."""
        if content.plain == self._shown.plain and content.spans == self._shown.spans:
            return
        self._shown = content
        self.update(content, layout=False)
