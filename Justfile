# Mirrors the README: every recipe is the command the README gives.

# The app on an example workflow (simulator backend).
run *ARGS:
    bash scripts/run.sh {{ARGS}}

# The whole test suite, with everything it needs set up first.
test *ARGS:
    bash scripts/test.sh {{ARGS}}

# The inner loop: every test that needs no service (no Docker engine, no cluster), nothing started.
test-fast *ARGS:
    bash scripts/bootstrap.sh
    .venv/bin/python -m pytest -m "not docker and not kubernetes" {{ARGS}}

# Lint, format check, type check and the import contracts.
lint:
    .venv/bin/ruff check .
    .venv/bin/ruff format --check .
    .venv/bin/mypy
    .venv/bin/lint-imports

# Benchmarks, each reported as a ratio against a baseline measured in the same run.
bench *ARGS:
    bash scripts/bootstrap.sh
    .venv/bin/python -m benchmarks {{ARGS}}

# The long fuzz run over every kind of input (the test suite runs a bounded sample).
fuzz CASES="100000":
    PYTHONPATH=. .venv/bin/python -m tests.fuzz.long_run --cases {{CASES}}

# Re-record golden files and SVG snapshots after an intended change.
snap-update:
    .venv/bin/python -m pytest --snapshot-update
