"""`--port` as OSMO writes it, and the typed place of a task as the control endpoint sends it."""

from __future__ import annotations

import pytest

from simulator.engine.port import Target
from simulator.errors import UsageError
from simulator.run.attach import PortPair, parse_ports
from simulator.run.locate import Located


def test_ports_single_pairs_and_ranges() -> None:
    assert parse_ports("8080") == [PortPair(8080, 8080)]
    assert parse_ports("8000:2000") == [PortPair(8000, 2000)]
    assert parse_ports("8000-8002:9000-9002,8015-8016") == [
        PortPair(8000, 9000), PortPair(8001, 9001), PortPair(8002, 9002),
        PortPair(8015, 8015), PortPair(8016, 8016),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("80-81:90", "ranges of different lengths"),
        ("x", "is not a port or a range"),
        ("0", "ports are 1..65535"),
        ("90-80", "ports are 1..65535"),
        ("70000", "ports are 1..65535"),
        ("80,80:81", "a local port is given twice"),
    ],
)
def test_bad_ports_say_why(text: str, why: str) -> None:
    with pytest.raises(UsageError, match=why):
        parse_ports(text)


def test_a_located_task_survives_its_json() -> None:
    target = Target("kubernetes", "att-1-web-0", True, container="web", namespace="osmo-real")
    located = Located("web", 0, "RUNNING", target)
    assert Located.from_json(located.to_json()) == located
