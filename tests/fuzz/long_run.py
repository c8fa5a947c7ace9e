"""The long fuzz run: the whole corpus, then N seeded mutation cases round-robin over every
kind of input and over random command lines; prints counts of tracebacks, exit-70s, escaped
exceptions and the slowest case. `python -m tests.fuzz.long_run --cases 100000`."""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
import zlib
from collections import Counter
from pathlib import Path
from typing import Any


def _isolate() -> None:
    """Keep the developer's machine out of it, as the tests' autouse fixture does."""
    home = tempfile.mkdtemp(prefix="osmo-tui-fuzz-home-")
    os.environ.update(HOME=home, TZ="UTC", OSMO_TUI_RUNS_DIR=str(Path(home) / "runs"))
    for name in ("OSMO_TUI_POOL_CONFIG", "OSMO_TUI_CREDENTIALS", "XDG_CONFIG_HOME", "EDITOR"):
        os.environ.pop(name, None)
    os.chdir(home)


def _cli_case(rng: random.Random, tmp: Path) -> Any:
    from tests.fuzz.harness import run_cli
    from tests.fuzz.kinds import BASE_WORKFLOW
    from tests.fuzz.test_cli_flags import COMMANDS, FLAGS, VALUES, _safe

    argv = rng.choice(COMMANDS).split()
    if rng.random() < 0.7 and argv[:1] != ["runs"]:
        (tmp / "wf.yaml").write_text(BASE_WORKFLOW)
        argv.append(str(tmp / "wf.yaml"))
    for _ in range(rng.randint(0, 5)):
        argv.append(rng.choice(FLAGS))
        if rng.random() < 0.6:
            argv.append(rng.choice(VALUES))
    if not _safe(argv):
        argv = ["validate", *argv[2:]]
    here = os.getcwd()
    os.chdir(tmp)
    try:
        return run_cli(argv)
    finally:
        os.chdir(here)


class Tally:
    def __init__(self) -> None:
        self.cases: Counter[str] = Counter()
        self.problems: Counter[str] = Counter()
        self.slowest = (0.0, "")
        self.failures: list[str] = []

    def add(self, kind: str, name: str, outcome: Any) -> None:
        self.cases[kind] += 1
        if outcome.seconds > self.slowest[0]:
            self.slowest = (outcome.seconds, f"{kind}/{name}")
        for problem in outcome.problems():
            self.problems[problem.split(" (")[0].split("took")[0].strip() or "over time"] += 1
            self.failures.append(f"{kind}/{name}: {problem}: {outcome.err.strip()[-300:]}")

    def summary(self, seconds: float) -> dict[str, Any]:
        return {
            "cases": sum(self.cases.values()),
            "by_kind": dict(self.cases),
            "tracebacks": self.problems["a traceback was printed"],
            "exit_70": self.problems["exit 70"],
            "escaped_exceptions": sum(
                v for k, v in self.problems.items() if k.startswith("escaped")
            ),
            "over_time": self.problems["over time"],
            "max_case_seconds": round(self.slowest[0], 3),
            "slowest_case": self.slowest[1],
            "wall_seconds": round(seconds, 1),
            "failures": self.failures[:50],
        }


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    default = int(os.environ.get("OSMO_TUI_FUZZ_CASES", "1000"))
    parser.add_argument("--cases", type=int, default=default)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-corpus", action="store_true")
    parser.add_argument("--report", help="write the summary JSON here as the run goes")
    return parser.parse_args(argv)


def _corpus(tally: Tally) -> None:
    from tests.fuzz.corpus import cases
    from tests.fuzz.kinds import KINDS

    for kind, label, data in cases():
        with tempfile.TemporaryDirectory() as tmp:
            rng = random.Random(zlib.crc32(f"{kind}/{label}".encode()))
            tally.add(f"corpus:{kind}", label, KINDS[kind].run(Path(tmp), data, rng))


def _mutation(n: int, seed: int, seeds: dict[str, list[str]], tally: Tally) -> None:
    from tests.fuzz.kinds import KINDS
    from tests.fuzz.mutate import mutate

    kinds = [*KINDS, "cli"]
    kind = kinds[n % len(kinds)]
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        if kind == "cli":
            outcome = _cli_case(rng, Path(tmp))
        else:
            outcome = KINDS[kind].run(Path(tmp), mutate(rng, rng.choice(seeds[kind])), rng)
    tally.add(kind, f"seed {seed}", outcome)


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    _isolate()
    from tests.fuzz.kinds import KINDS

    tally, start = Tally(), time.perf_counter()

    def checkpoint() -> dict[str, Any]:
        summary = tally.summary(time.perf_counter() - start)
        if args.report:
            Path(args.report).write_text(json.dumps(summary, indent=2))
        return summary

    if not args.no_corpus:
        _corpus(tally)
        checkpoint()
    seeds = {name: kind.seeds() for name, kind in KINDS.items()}
    for n in range(args.cases):
        _mutation(n, args.seed + n, seeds, tally)
        if n % 500 == 0:
            checkpoint()
    print(json.dumps(checkpoint(), indent=2))
    return 1 if tally.failures else 0


if __name__ == "__main__":
    sys.exit(main())
