"""Hypothesis drives mutations of each kind's seed files (workflows from the examples and the
cookbook, scenarios, pool configs, credential stores, key maps, run-store files): every case
ends cleanly and in time. `OSMO_TUI_FUZZ_CASES=N` runs N cases per kind instead of a few."""

from __future__ import annotations

import random
import tempfile
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz.harness import CASES, assert_clean
from tests.fuzz.kinds import KINDS
from tests.fuzz.mutate import mutate

FUZZ = settings(
    max_examples=CASES or 10,
    deadline=None,
    derandomize=not CASES,  # CI: the same cases every run; long runs explore
    suppress_health_check=list(HealthCheck),
    database=None,
)


@cache
def _seeds(kind: str) -> list[str]:
    return KINDS[kind].seeds()


@pytest.mark.parametrize("kind", list(KINDS))
@FUZZ
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_mutated_inputs_fail_cleanly(kind: str, seed: int) -> None:
    rng = random.Random(seed)
    data = mutate(rng, rng.choice(_seeds(kind)))
    with tempfile.TemporaryDirectory() as tmp:
        outcome = KINDS[kind].run(Path(tmp), data, rng)
    assert_clean(outcome, f"{kind} case random.Random({seed})")
