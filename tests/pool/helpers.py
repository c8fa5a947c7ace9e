"""Shared assertions of the pool tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.errors import SpecError, SpecErrors
from simulator.pool.config import load_pool


def one_pool_error(
    tmp_path: Path, text: str, where: tuple[int, int], message: str, name: str = "pool.yaml"
) -> SpecError:
    """Loading `text` as a pool file fails with exactly one error, at `where`, saying `message`."""
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(SpecErrors) as info:
        load_pool(path)
    (error,) = info.value.errors
    assert error.location is not None and error.location.path == str(path)
    assert (error.location.line, error.location.column) == where
    assert error.message.startswith(message), error.message
    return error
