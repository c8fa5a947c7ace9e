"""`gc_paused()`: build many long-lived objects without the cyclic GC rescanning them."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic GC, then move what was allocated meanwhile to the oldest generation
    without a pass over it.

    While objects that live on (a loaded spec, an engine, a run's events) are being built, each
    young collection walks them again for nothing. Re-enabling alone would leave them all in the
    young generation, so the next allocation would start a collection walking every one of them:
    for the million events of a 100,000-task run that pass took longer than a fifth of the run,
    and it grows faster than the run (cache misses). `gc.freeze()` then `gc.unfreeze()` moves
    every tracked object to the oldest generation in O(1); full collections still examine
    them, so the cycles of whatever is dropped later are collected as before.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if gc.get_freeze_count() == 0:  # nothing frozen by others: unfreeze only moves ours
            gc.freeze()
            gc.unfreeze()
        if collecting:
            gc.enable()
