"""OSMO's value formats: durations, exit codes, quantities (with properties over generated values)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.common.units import (
    format_duration,
    format_quantity,
    normalise_quantity,
    parse_duration,
    parse_exit_codes,
    parse_quantity,
    quantity_unit_error,
)


@given(st.integers(0, 10**7))
def test_formatted_durations_parse_back(seconds: int) -> None:
    assert parse_duration(format_duration(seconds)) == seconds


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("1d", 86400),
        ("2h", 7200),
        ("3m", 180),
        ("4s", 4),
        ("5ms", 0.005),
        ("6us", 6e-6),
        ("P1D", 86400),
        ("PT1H30M", 5400),
        ("PT0.5S", 0.5),
        ("P1DT1S", 86401),
        (90, 90),
        (1.5, 1.5),
    ],
)
def test_durations(text: object, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    "text", ["10h5m", "1.5h", "90", "2w", "P", "PT", "P1DT", "", True, None, "-1s"]
)
def test_bad_durations(text: object) -> None:
    with pytest.raises(ValueError, match="Cannot recognize duration"):
        parse_duration(text)


def test_exit_codes() -> None:
    assert parse_exit_codes("0,1-10,16") == ((0, 0), (1, 10), (16, 16))
    assert parse_exit_codes("10-1") == ((10, 1),)  # accepted, never matches
    for bad in ("1, 2", "", "a", "1-", ",1", "1--2"):
        with pytest.raises(ValueError):
            parse_exit_codes(bad)


@given(st.lists(st.tuples(st.integers(0, 300), st.integers(0, 300)), min_size=1, max_size=5))
def test_exit_codes_round_trip(ranges: list[tuple[int, int]]) -> None:
    text = ",".join(f"{a}-{b}" if a != b else str(a) for a, b in ranges)
    assert parse_exit_codes(text) == tuple(ranges)


def test_quantities() -> None:
    assert parse_quantity("1G") == parse_quantity("1Gi") == parse_quantity("1GiB") == 1024**3
    assert parse_quantity("1024") == 1024 and parse_quantity("1.5Ki") == 1536
    assert normalise_quantity("1024") == "1.0Ki" and normalise_quantity("8Gi") == "8Gi"
    assert quantity_unit_error("memory", "1GB") == "Resource memory field has invalid unit: GB"
    assert quantity_unit_error("storage", "lots") == "Resource storage field has invalid value lots"
    assert format_quantity(8 * 1024**3) == "8Gi" and format_quantity(1536) == "1.5Ki"
    with pytest.raises(ValueError):
        parse_quantity("1XB")
