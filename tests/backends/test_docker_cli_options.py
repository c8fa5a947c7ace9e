"""`--backend docker` flags as the user types them: the grace period in seconds or as an OSMO
duration, and a clear usage error (exit 2) for anything else."""

from __future__ import annotations

import argparse

import pytest

from simulator.backends.docker.cli import add_docker_options, docker_options
from simulator.errors import UsageError


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="osmo-tui", exit_on_error=True)
    add_docker_options(parser)
    return parser.parse_args(list(argv))


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("20", 20.0), ("1.5", 1.5), ("0", 0.0), ("20s", 20.0), ("2m", 120.0), ("PT20S", 20.0)],
)
def test_the_grace_period_takes_seconds_or_an_osmo_duration(text: str, seconds: float) -> None:
    assert docker_options(_parse("--grace-period", text)).grace_period == seconds


def test_the_default_grace_period_is_five_seconds() -> None:
    assert docker_options(_parse()).grace_period == 5.0


@pytest.mark.parametrize("text", ["abc", "1h30m", "-", ""])
def test_a_grace_period_that_is_no_duration_is_a_usage_error(
    text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        _parse("--grace-period", text)
    assert exited.value.code == 2
    assert "argument --grace-period:" in capsys.readouterr().err


@pytest.mark.parametrize("text", ["2h", "-1", "nan"])
def test_a_grace_period_out_of_range_says_the_range(text: str) -> None:
    with pytest.raises(UsageError, match="between 0 and 3600 seconds"):
        docker_options(_parse(f"--grace-period={text}"))
