"""Engine benchmarks: simulated throughput on generated DAGs, memory, and `simulate` end to end.

Rows (see `benchmarks/__main__.py`), every baseline measured in the same run:
- `engine Nk tasks`: seconds to simulate a generated DAG of N tasks (engine + discrete-event loop,
  no IO) against a trivial Python loop doing ten dict updates per task (the least any per-event
  state machine pays); no target.
- `engine 100k / 3 s`: the same time against a 3 s budget (target ratio <= 1); `CPU` the
  process CPU time of the same run (what a busy shared machine distorts least).
- `engine growth 100k/10k`: the time ratio against 10 (linear growth): target <= 1.2 (< 12x).
- `engine peak RSS 100k`: peak memory (VmHWM) of a subprocess simulating 100k tasks, keeping
  every event, against a 1 GiB budget (target <= 1); and against a process that only imports
  the simulator (no target).
- `simulate 400 tasks` / `simulate 20k tasks`: `osmo-tui simulate --json` wall time against
  `python -c pass` (no target) and against budgets of 1 s and 10 s (target <= 1).
"""

from __future__ import annotations

import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks import row, wall

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

_PEAK = (
    "print(next(int(line.split()[1]) for line in open('/proc/self/status') "
    "if line.startswith('VmHWM')))"
)
"""Peak resident set (KiB) of this process; `ru_maxrss` would include the forking parent's."""
_MEMORY_SCRIPT = """
import sys
sys.path.insert(0, {root!r})
from benchmarks.bench_engine import dag_plan
from simulator.backends.sim import SimRun
run = SimRun(dag_plan({n}))
events = run.run_to_end()
snap = run.snapshot
assert str(snap.status) == "COMPLETED"
"""
_BASE_MEMORY = "import simulator.backends.sim\n"


def dag_plan(tasks: int, seed: int = 1) -> Any:
    """A random DAG: groups of 1-4 tasks, each reading from up to two of the 50 groups before."""
    from simulator.engine.plan import GroupPlan, Plan, TaskPlan

    rng = random.Random(seed)
    group_tasks: list[list[str]] = []
    upstream: list[list[int]] = []
    made = 0
    while made < tasks:
        size = min(rng.randint(1, 4), tasks - made)
        index = len(group_tasks)
        group_tasks.append([f"t{made + i}" for i in range(size)])
        made += size
        count = rng.randint(0, 2) if index else 0
        ups = {rng.randrange(max(0, index - 50), index) for _ in range(count)}
        upstream.append(sorted(ups))
    downstream: list[list[int]] = [[] for _ in group_tasks]
    for index, ups in enumerate(upstream):
        for up in ups:
            downstream[up].append(index)
    groups: dict[str, GroupPlan] = {}
    plans: dict[str, TaskPlan] = {}
    for index, names in enumerate(group_tasks):
        name = f"g{index}"
        groups[name] = GroupPlan(
            name,
            tuple(names),
            names[0],
            barrier=len(names) > 1,
            upstream=tuple(f"g{u}" for u in upstream[index]),
            downstream=tuple(f"g{d}" for d in downstream[index]),
        )
        for task in names:
            plans[task] = TaskPlan(task, name, task == names[0])
    return Plan("bench", "bench-1", groups, plans)


def _simulate(tasks: int, clock: Any = time.perf_counter) -> float:
    from simulator.backends.sim import SimRun

    plan = dag_plan(tasks)
    start = clock()
    run = SimRun(plan)
    run.run_to_end()
    elapsed = float(clock() - start)
    assert run.finished and str(run.engine.status) == "COMPLETED"
    return elapsed


def _trivial_loop(tasks: int) -> float:
    state: dict[int, int] = {}
    start = time.perf_counter()
    for i in range(tasks * 10):
        state[i % 1024] = i
    return time.perf_counter() - start


def _best(fn: Any, *args: Any, runs: int = 3) -> float:
    return min(fn(*args) for _ in range(runs))


def workflow_text(tasks: int, per_group: int = 4) -> str:
    """A valid workflow of `tasks` tasks in groups of `per_group`, in chains of ten groups."""
    lines = ["workflow:", "  name: bench", "  groups:"]
    groups = (tasks + per_group - 1) // per_group
    made = 0
    for g in range(groups):
        lines += [f"  - name: g{g}", "    tasks:"]
        for t in range(min(per_group, tasks - made)):
            name = f"t{made}"
            lines += [
                f"    - name: {name}",
                "      image: ubuntu:24.04",
                f'      command: [sh, -c, "echo {name}; sleep {1 + made % 5}"]',
            ]
            if t == 0:
                lines.append("      lead: true")
                if g % 10:
                    lines.append(f"      inputs: [{{task: t{made - per_group}}}]")
            made += 1
    return "\n".join(lines) + "\n"


def _wall(argv: list[str], runs: int = 3) -> float:
    """Best of `runs` wall times."""
    return min(wall(argv) for _ in range(runs))


def _cli(tasks: int, tmp: Path, runs: int) -> float:
    path = tmp / f"bench-{tasks}.yaml"
    path.write_text(workflow_text(tasks))
    argv = [sys.executable, "-m", "osmo_tui.cli.main", "simulate", str(path), "--json"]
    argv += ["--no-record"]
    check = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=False)
    if check.returncode != 0:
        raise RuntimeError(f"simulate failed: {check.stderr.strip()[:300]}")
    return _wall(argv, runs)


def _rss_kib(code: str) -> int:
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return int(out.stdout.strip().splitlines()[-1])


def run() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    times: dict[int, float] = {}
    for tasks in (1_000, 10_000, 100_000):
        times[tasks] = _best(_simulate, tasks, runs=3 if tasks < 100_000 else 2)
        loop = _best(_trivial_loop, tasks)
        rows.append(row(f"engine {tasks // 1000}k tasks", times[tasks], loop, None, "s"))
    rows.append(row("engine 100k / 3 s", times[100_000], 3.0, 1.0, "s"))
    cpu = _best(_simulate, 100_000, time.process_time, runs=2)
    rows.append(row("engine 100k CPU / 3 s", cpu, 3.0, 1.0, "s"))
    growth = times[100_000] / times[10_000]
    rows.append(row("engine growth 100k/10k", growth, 10.0, 1.2, "x"))
    base_kib = _rss_kib(_BASE_MEMORY + _PEAK)
    peak_kib = _rss_kib(_MEMORY_SCRIPT.format(root=str(ROOT), n=100_000) + _PEAK)
    rows.append(row("engine peak RSS 100k", peak_kib / 1024, 1024.0, 1.0, "MiB"))
    rows.append(row("engine RSS vs bare python", peak_kib / 1024, base_kib / 1024, None, "MiB"))
    python = _wall([sys.executable, "-c", "pass"], runs=5)
    with tempfile.TemporaryDirectory() as tmp:
        for tasks, budget, runs in ((400, 1.0, 5), (20_000, 10.0, 1)):
            label = f"{tasks // 1000}k" if tasks >= 1000 else str(tasks)
            elapsed = _cli(tasks, Path(tmp), runs)
            rows.append(row(f"simulate {label} tasks", elapsed, python, None, "s"))
            rows.append(row(f"simulate {label} / {budget:g} s", elapsed, budget, 1.0, "s"))
    return rows


if __name__ == "__main__":
    for r in run():
        print(r)
