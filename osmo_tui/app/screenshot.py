"""`python -m osmo_tui.app.screenshot FILE OUT.svg`: the app's main screen as an SVG, for docs.

Plays the workflow in the simulator up to a point in virtual time (default: half-way, so the
screenshot shows running, finished and waiting groups) and saves what the screen shows.
"""

from __future__ import annotations

import argparse
import asyncio
import math
from pathlib import Path

from osmo_tui.app.app import make_app
from simulator.run import RunRequest


async def _shoot(path: Path, out: Path, at: float | None, size: tuple[int, int]) -> None:
    from simulator.backends.sim import SimRun

    app = make_app(RunRequest(path=path, record=False), speed=math.inf, paused=True, keymap={})
    plan = app.session.plan
    if plan is None:
        raise SystemExit(f"{path}: not a valid workflow")
    prepared = app.session.prepared
    pool = prepared.pool if prepared is not None else None
    end = SimRun(plan, pool=pool).run_to_end()[-1].time
    stop = end / 2 if at is None else at
    async with app.run_test(size=size) as pilot:
        await pilot.pause(0.2)
        run = app.session.run
        while run is not None and run.next_time is not None and run.next_time <= stop:
            await pilot.press("n")
            await pilot.pause(0.02)
        await pilot.pause(0.3)
        app.clear_notifications()
        await pilot.pause(0.1)
        out.write_text(app.export_screenshot(title=f"osmo-tui {path.name}"))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m osmo_tui.app.screenshot")
    parser.add_argument("file", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--at", type=float, help="virtual seconds to stop at (default: half-way)")
    parser.add_argument("--size", default="100x30", help="terminal size, COLSxROWS")
    args = parser.parse_args()
    cols, rows = (int(n) for n in args.size.split("x"))
    asyncio.run(_shoot(args.file, args.out, args.at, (cols, rows)))


if __name__ == "__main__":
    main()
