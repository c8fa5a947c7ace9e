"""Run every `benchmarks/bench_*.py` (or those named) and print one table of ratios.

Each module exposes `run() -> list[dict]` with rows `{"name", "value", "baseline", "ratio",
"target", "unit"}`: `value` and `baseline` are measured in the same run on the same machine, so the
ratio is what we track; `target` is the ratio (or absolute bound, by `unit`) we aim for.
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import sys
import time
from pathlib import Path
from typing import Any

import benchmarks


def _modules(selected: list[str]) -> list[str]:
    names = sorted(
        m.name for m in pkgutil.iter_modules(benchmarks.__path__) if m.name.startswith("bench_")
    )
    if selected:
        names = [n for n in names if any(s in n for s in selected)]
    return names


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "-" if value is None else str(value)


def _met(row: dict[str, Any]) -> str:
    target, ratio = row.get("target"), row.get("ratio")
    if target is None or ratio is None:
        return ""
    return "ok" if ratio <= target else "MISSED"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("only", nargs="*", help="substrings of module names to run")
    parser.add_argument("--json", type=Path, help="also write all rows to this file")
    args = parser.parse_args(argv)
    rows: list[dict[str, Any]] = []
    for name in _modules(args.only):
        started = time.perf_counter()
        try:
            module = importlib.import_module(f"benchmarks.{name}")
            got = module.run()
        except Exception as exc:  # one broken benchmark must not hide the others
            print(f"{name}: failed: {exc!r}", file=sys.stderr)
            continue
        for row in got:
            rows.append({"module": name, **row})
        print(f"# {name} took {time.perf_counter() - started:.1f}s", file=sys.stderr)
    header = ("benchmark", "value", "baseline", "ratio", "target", "unit", "")
    print("  ".join(f"{h:<12}" for h in header))
    for row in rows:
        cells = [row["name"], *(_fmt(row.get(k)) for k in header[1:6]), _met(row)]
        print("  ".join(f"{c:<12}" for c in cells))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
