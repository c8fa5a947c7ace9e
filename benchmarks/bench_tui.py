"""TUI: first paint of a 400-task workflow, time to handle one engine event, save-to-new-run.

Absolute targets come from the issue (1.5 s, well under 16 ms, 0.5 s); each row's `target` is that
bound divided by the same-run baseline, so `ratio <= target` means the absolute target was met.
"""

from __future__ import annotations

import asyncio
import math
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

TASKS = 400
PER_GROUP = 10
WIDTH = 5
SIZE = (120, 40)
SAMPLES = 5
"""Runs of the save-to-run and stall measurements (each reported as their median)."""


def workflow_yaml(tasks: int = TASKS, per_group: int = PER_GROUP, width: int = WIDTH) -> str:
    """A generated workflow: groups of `per_group` tasks, `width` groups per layer, fanning in."""
    lines = ["workflow:", f"  name: bench-{tasks}", "  groups:"]
    for g in range(tasks // per_group):
        layer, slot = divmod(g, width)
        lines += [f"  - name: g{g:03d}", "    tasks:"]
        for i in range(per_group):
            lines += [
                f"    - name: t{g:03d}-{i:02d}",
                *(["      lead: true"] if i == 0 else []),
                "      image: alpine:3.20",
                f'      command: [sh, -c, "sleep {5 + i}"]',
            ]
            if layer:
                lines += ["      inputs:", f"      - task: t{(layer - 1) * width + slot:03d}-00"]
    return "\n".join(lines) + "\n"


async def _first_paint(path: Path) -> float:
    from osmo_tui.app.app import make_app
    from simulator.run import RunRequest

    started = time.perf_counter()
    app = make_app(RunRequest(path=path, record=False), autostart=False, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        elapsed = time.perf_counter() - started
        assert app.session.plan is not None and len(app.session.plan.tasks) == TASKS
    return elapsed


async def _empty_paint() -> float:
    from textual.app import App, ComposeResult
    from textual.widgets import Static

    class Empty(App[None]):
        def compose(self) -> ComposeResult:
            yield Static("hello")

    started = time.perf_counter()
    async with Empty().run_test(size=SIZE) as pilot:
        await pilot.pause()
        return time.perf_counter() - started


async def _event_costs(path: Path, sample: int = 300) -> tuple[float, float]:
    """Median seconds to fold one event and repaint what it changed (the app's own update path:
    the views' refresh, then the screen's update tick: layout, dirty widgets, compositor, driver)
    with 400 tasks on screen; baseline: folding alone."""
    from osmo_tui.app.app import make_app
    from simulator.backends.sim import SimRun
    from simulator.engine.snapshot import RunSnapshot, fold
    from simulator.run import RunRequest

    app = make_app(RunRequest(path=path, record=False), speed=math.inf, paused=True, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.3)
        session, screen = app.session, app.main_screen
        assert session.plan is not None
        events = SimRun(session.plan).run_to_end()
        step = max(1, len(events) // sample)
        ui: list[float] = []
        for index, event in enumerate(events):
            if index % step:
                session.apply([event])
                continue
            started = time.perf_counter()
            changed = session.apply([event])
            screen.refresh_views(changed)
            screen._on_timer_update()
            ui.append(time.perf_counter() - started)
        bare: list[float] = []
        snap = RunSnapshot.from_plan(session.plan)
        for event in events:
            started = time.perf_counter()
            fold(snap, event)
            bare.append(time.perf_counter() - started)
    return statistics.median(ui), statistics.median(bare)


async def _save_to_run(path: Path) -> tuple[float, float]:
    """Seconds from writing the file to the new run's first events on screen; and load alone."""
    from osmo_tui.app.app import make_app
    from osmo_tui.app.session import Session
    from simulator.run import RunRequest

    load_started = time.perf_counter()
    Session(RunRequest(path=path, record=False)).load()
    load_only = time.perf_counter() - load_started
    app = make_app(RunRequest(path=path, record=False), speed=math.inf, watch=True, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(1.0)  # first run done, watcher armed
        screen = app.main_screen
        runs = screen.runs.run_count
        text = path.read_text().replace("sleep 5", "sleep 6", 1)
        started = time.perf_counter()
        path.write_text(text)
        while screen.runs.run_count == runs or not app.session.events:
            await asyncio.sleep(0.005)
            if time.perf_counter() - started > 10:
                raise RuntimeError("no reload within 10 s")
        elapsed = time.perf_counter() - started
    return elapsed, load_only


async def _stall(path: Path) -> tuple[float, float]:
    """Longest the event loop is blocked while a 2,000-task run plays at instant speed (keys
    wait that long), and the same probe with an idle app as the baseline."""
    from osmo_tui.app.app import make_app
    from simulator.run import RunRequest

    async def probe(until: Any) -> float:
        worst = 0.0
        while not until():
            started = time.perf_counter()
            await asyncio.sleep(0.005)
            worst = max(worst, time.perf_counter() - started - 0.005)
        return worst

    app = make_app(RunRequest(path=path, record=False), speed=math.inf, autostart=False, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        session = app.session
        app.main_screen.runs.start_run()
        busy = await probe(lambda: session.run is not None and session.run.finished)
        events = len(session.events)
        deadline = time.perf_counter() + 0.5
        idle = await probe(lambda: time.perf_counter() > deadline)
    assert events > 10_000, "the run had finished before the probe started"
    return busy, idle


def run() -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.yaml"
        path.write_text(workflow_yaml())
        # best of 3: one sample swung from 0.5 s to 1.65 s when another benchmark had just
        # filled memory (the VM reclaims page cache aggressively)
        empty = min(asyncio.run(_empty_paint()) for _ in range(3))
        paint = min(asyncio.run(_first_paint(path)) for _ in range(3))
        ui, bare = asyncio.run(_event_costs(path))
        # a longest stall is one sample of a maximum, the noisiest statistic there is (one run
        # saw 98 ms, the next 285 ms, same code): the median of SAMPLES runs, after a warm-up
        asyncio.run(_save_to_run(path))
        saves = [asyncio.run(_save_to_run(path)) for _ in range(SAMPLES)]
        save = statistics.median(took for took, _load in saves)
        load = statistics.median(load for _took, load in saves)
        big = Path(tmp) / "big.yaml"
        big.write_text(workflow_yaml(2000, 20, 10))
        asyncio.run(_stall(big))
        stalls = [asyncio.run(_stall(big)) for _ in range(SAMPLES)]
        stall = statistics.median(s for s, _ in stalls)
        idle = statistics.median(i for _, i in stalls)
    return [
        _row("tui first paint, 400 tasks (baseline: empty app)", paint, empty, 1.5, "s"),
        _row(
            "tui one event, 400 tasks shown (baseline: fold only)", ui * 1e3, bare * 1e3, 16.0, "ms"
        ),
        _row("tui save to new run, 400 tasks (baseline: load only)", save, load, 0.5, "s"),
        _row(
            "tui longest stall, 2,000 tasks playing (baseline: idle)",
            stall * 1e3,
            idle * 1e3,
            100.0,
            "ms",
        ),
    ]


def _row(name: str, value: float, baseline: float, bound: float, unit: str) -> dict[str, Any]:
    return {
        "name": name,
        "value": value,
        "baseline": baseline,
        "ratio": value / baseline if baseline else None,
        "target": bound / baseline if baseline else None,
        "unit": unit,
    }
