"""Read a pool-config file (osmo-tui's or OSMO's shape) and validate it, errors at `file:line:col`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from simulator.common import yamlpos
from simulator.common.diagnostics import pydantic_errors
from simulator.common.locate import Locator
from simulator.errors import Location, SpecError, SpecErrors, UsageError
from simulator.pool import osmo
from simulator.pool.config import PoolConfig, merge


@dataclass
class PoolLocator:
    """Locates pool-dict paths in the file (through the OSMO document's layout when converted)."""

    file: str
    positions: yamlpos.Positions | None = None
    paths: dict[tuple[Any, ...], tuple[Any, ...]] = field(default_factory=dict)

    def of(self, path: tuple[Any, ...], *, key: bool = False) -> Location:
        return Locator(self.file, self.positions).of(
            osmo.source_path(tuple(path), self.paths), key=key
        )


def _fail(message: str, where: Location) -> SpecErrors:
    return SpecErrors([SpecError(message, where)])


def _load(source: Path) -> tuple[Any, yamlpos.Positions]:
    from simulator import inputs

    try:
        text = inputs.read_text(source, what="pool config", max_bytes=inputs.MAX_CONFIG_BYTES)
    except inputs.InputError as exc:
        if exc.message == "no such file":
            raise UsageError(f"{source}: no such pool config file") from None
        where = exc.location or Location(str(source))
        raise _fail(f"Cannot read pool config: {exc.message}", where) from None
    try:
        return yamlpos.load(text)
    except yamlpos.YamlError as exc:
        line = exc.line + 1 if exc.line is not None else None
        col = exc.column + 1 if exc.column is not None else None
        problem = " ".join(exc.text.split())
        message = f"Pool config is not properly formatted: {problem}"
        raise _fail(message, Location(str(source), line, col)) from None


def read(
    source: Path, builtin: dict[str, Any], pool_name: str | None
) -> tuple[dict[str, Any], PoolLocator]:
    """The built-in pool with the file over it, and where its paths are in the file."""
    loaded, positions = _load(source)
    locator = PoolLocator(str(source), positions)
    if loaded is not None and not isinstance(loaded, dict):
        raise _fail("Pool config must be a mapping", Location(str(source), 1, 1))
    loaded = loaded or {}
    if not osmo.is_osmo(loaded):
        check_pool_name(pool_name, [str(loaded.get("name", builtin["name"]))], str(source))
        return merge(builtin, loaded), locator
    capacity = builtin["platforms"]
    try:
        converted, locator.paths = osmo.to_pool(loaded, pool_name, str(source), capacity)
    except osmo.ShapeError as exc:
        raise _fail(exc.message, locator.of(exc.path, key=exc.key)) from None
    except SpecError as exc:
        raise UsageError(exc.message) from None
    return {**builtin, **converted}, locator


def check_pool_name(name: str | None, pools: list[str], where: str) -> None:
    """`--pool NAME` must name a pool of the config (OSMO: `Pool NAME not found.`)."""
    if name is not None and name not in pools:
        raise UsageError(f"Pool {name} not found. Pools in {where}: {', '.join(pools)}")


def validate(data: dict[str, Any], source: str | None, locator: PoolLocator | None) -> PoolConfig:
    """The pool model, then references and tokens; every error located in the file."""
    from simulator.pool import resolve

    file = source or "<built-in pool>"
    locator = locator or PoolLocator(file)
    try:
        pool = PoolConfig.model_validate({**data, "source": source})
    except ValidationError as exc:
        raise SpecErrors(pydantic_errors(exc, data, None, file, locator=locator)) from None
    errors = [SpecError(m, locator.of(p)) for m, p in resolve.check(pool)]
    if pool.default_platform and pool.default_platform not in pool.platforms:
        message = f"Default platform {pool.default_platform} does not exist in pool {pool.name}!"
        errors.append(SpecError(message, locator.of(("default_platform",))))
    if errors:
        raise SpecErrors(errors)
    return pool
