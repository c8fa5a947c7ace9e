"""OSMO's value formats: durations, exit-code ranges and resource quantities (SPEC §2.4, §2.10, §2.11)."""

from __future__ import annotations

import datetime
import math
import re

DURATION_MESSAGE = (
    "Cannot recognize duration: {value}. "
    "Only support ISO 8601 (e.g. PT10S) or xd, xh, xm, xs, xms, xus"
)
_UNIT_DURATION = re.compile(r"(\d+)(d|h|m|s|ms|us)")
_ISO_DURATION = re.compile(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?")
_UNIT_SECONDS = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6}

EXIT_CODES_REGEX = re.compile(r"^(\d+(-\d+)?)+(,\d+(-\d+)?)*$")

_QUANTITY = re.compile(r"(?P<size>\d+(\.\d+)?)(?P<unit>[a-zA-Z]*)")
_QUANTITY_FACTORS = {
    "": 1,
    "B": 1,
    "m": 1e-3,
    "K": 1024,
    "Ki": 1024,
    "KiB": 1024,
    "M": 1024**2,
    "Mi": 1024**2,
    "MiB": 1024**2,
    "G": 1024**3,
    "Gi": 1024**3,
    "GiB": 1024**3,
    "T": 1024**4,
    "Ti": 1024**4,
    "TiB": 1024**4,
}
"""OSMO treats every unit as binary: `G` is `Gi` (resource_quantities.py)."""


MAX_DURATION = 100 * 365 * 86400.0
"""A century: longer durations (and `.nan`, `.inf`, negatives) mean nothing a clock can wait."""
MAX_QUANTITY = 2**63 - 1
"""Bytes: Kubernetes quantities are 64-bit; beyond this no node or limit compares sensibly."""


def parse_duration(value: object) -> float:
    """Seconds of an OSMO duration: a YAML number, `<int><unit>` or ISO-8601 `P..T..`.

    Raises ValueError with OSMO's message for anything else (mixed units, decimals with a unit,
    unitless strings, weeks, booleans), and for what is no span of time at all: `.nan`, `.inf`,
    negative or longer than a century.
    """
    try:
        seconds = _duration_seconds(value)
    except (ValueError, OverflowError):  # also a 5,000-digit count, past int()'s digit limit
        raise ValueError(DURATION_MESSAGE.format(value=_short(value))) from None
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"Duration {value} is not a finite, non-negative number of seconds")
    if seconds > MAX_DURATION:
        raise ValueError(f"Duration {_short(value)} is longer than 100 years")
    return seconds


def _short(value: object) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _duration_seconds(value: object) -> float:
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, bool):
        raise ValueError(DURATION_MESSAGE.format(value=value))
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        match = _UNIT_DURATION.fullmatch(value)
        if match:
            return int(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        match = _ISO_DURATION.fullmatch(value)
        if match and value not in ("P", "PT") and not value.endswith("T"):
            days, hours, minutes, seconds = match.groups()
            return (
                int(days or 0) * 86400.0
                + int(hours or 0) * 3600.0
                + int(minutes or 0) * 60.0
                + float(seconds or 0)
            )
    raise ValueError(DURATION_MESSAGE.format(value=value))


def format_duration(seconds: float) -> str:
    """A compact OSMO-style duration (`90s`, `10m`, `8h`, `60d`) for messages and defaults."""
    if seconds == int(seconds):
        whole = int(seconds)
        for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
            if whole and whole % size == 0:
                return f"{whole // size}{unit}"
        return f"{whole}s"
    return f"{round(seconds * 1000)}ms"


def parse_exit_codes(text: str) -> tuple[tuple[int, int], ...]:
    """`"0,1-10,16"` → ((0, 0), (1, 10), (16, 16)); raises ValueError if OSMO would reject it.

    A reversed range such as `10-1` is kept as (10, 1): OSMO accepts it and it never matches.
    """
    if not EXIT_CODES_REGEX.fullmatch(text):
        raise ValueError(f"Invalid exit codes {text}")
    ranges: list[tuple[int, int]] = []
    for part in text.split(","):
        low, _, high = part.partition("-")
        ranges.append((int(low), int(high or low)))
    return tuple(ranges)


def quantity_unit_error(field: str, text: str) -> str | None:
    """OSMO's message when `text` is not a valid memory/storage quantity, else None."""
    match = _QUANTITY.fullmatch(text)
    if match is None:  # OSMO's ResourceSpec.validate_unit_value: no number+letters at all
        return f"Resource {field} field has invalid value {text}"
    if match.group("unit") not in _QUANTITY_FACTORS:
        return f"Resource {field} field has invalid unit: {match.group('unit')}"
    return None


def normalise_quantity(text: str) -> str:
    """Unitless byte counts become `<n/1024>Ki` as OSMO stores them (`1024` → `1.0Ki`)."""
    match = _QUANTITY.fullmatch(text)
    if match and match.group("unit") == "":
        size = repr(float(match.group("size")) / 1024)
        if "e" in size:  # `0.0001` would become `9.765625e-08Ki`, which is no quantity
            size = f"{float(match.group('size')) / 1024:.20f}".rstrip("0")
            size += "0" if size.endswith(".") else ""
        return f"{size}Ki"
    return text


def parse_quantity(text: str | int | float, field: str = "memory") -> int:
    """Bytes of a memory/storage quantity (`8Gi`, `1G`, `512Mi`, `1024`); ValueError if invalid
    or more than MAX_QUANTITY bytes."""
    text = str(text)
    error = quantity_unit_error(field, text)
    if error:
        raise ValueError(error)
    match = _QUANTITY.fullmatch(text)
    assert match is not None
    size = float(match.group("size")) * _QUANTITY_FACTORS[match.group("unit")]
    if not size <= MAX_QUANTITY:  # also inf: 400 digits overflow the float
        shown = text if len(text) <= 40 else text[:37] + "..."
        raise ValueError(f"Resource {field} field is too large: {shown} (at most 2^63-1 bytes)")
    return int(size)


def format_quantity(size: int) -> str:
    """Bytes as the largest exact binary unit (`8Gi`), for messages."""
    for unit, factor in (("Ti", 1024**4), ("Gi", 1024**3), ("Mi", 1024**2), ("Ki", 1024)):
        if size >= factor and size % factor == 0:
            return f"{size // factor}{unit}"
    for unit, factor in (("Ti", 1024**4), ("Gi", 1024**3), ("Mi", 1024**2), ("Ki", 1024)):
        if size >= factor:
            return f"{size / factor:.1f}{unit}"
    return f"{size}B"
