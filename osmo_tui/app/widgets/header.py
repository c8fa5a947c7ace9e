"""RunHeader: workflow name and id, status, backend, elapsed time, speed and counts per status."""

from __future__ import annotations

from collections.abc import Callable

from rich.markup import escape
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
        """`ended`: a replay whose record stops unfinished shows `UNKNOWN: why`, not RUNNING."""
        if snap is None:
            self.update(f"[b]{escape(title)}[/b]  [#ff5f5f]no valid version yet[/]\n{escape(note)}")
            return
        if realtime and self.started_at is not None:
            elapsed = f"{st.duration(self.clock() - self.started_at) or '0s'} real"
        else:
            now = max(snap.time, virtual_now or 0.0)
            elapsed = f"{st.duration(now) or '0s'} virtual"
        status = st.markup(snap.status)
        if ended:
            kind, _, why = ended.partition(": ")
            status = f"[{st.MUTED}]? {escape(kind)}[/]"
            note = f"{why} · {note}" if note else why
        first = (
            f"[b]{escape(snap.workflow)}[/b] [#9e9e9e]{escape(snap.workflow_id)}[/]  "
            f"{status}  {escape(mode)}  {elapsed}  "
            f"[#9e9e9e]on[/] {escape(snap.backend or '?')}"
        )
        summary, notes = capabilities
        if summary:
            first += f" [#9e9e9e]({escape(summary)})[/]"
        self.tooltip = "\n".join(notes) or None
        counts = {str(k): n for k, n in snap.counts().items()}
        keys = [k for k in ORDER if counts.get(k)]
        keys += sorted(k for k in counts if k.startswith("FAILED"))
        second = "  ".join(
            f"[{st.colour(k)}]{st.symbol(k)} {k.lower()} {counts[k]}[/]" for k in keys
        )
        tail = f"  [#9e9e9e]{escape(note)}[/]" if note else ""
        self.update(f"{first}\n{second}{tail}")
