"""What the cyclic garbage collector walks: the size of generation 0 at each collection."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def young_generation_sizes() -> Iterator[list[int]]:
    """The number of objects in generation 0 when each collection of it starts, in order.

    After the block, enough objects are allocated that a collection runs, so one
    due when the block ends is counted too.
    """
    sizes: list[int] = []

    def on_collect(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and info["generation"] == 0:
            sizes.append(len(gc.get_objects(generation=0)))

    gc.collect()
    gc.callbacks.append(on_collect)
    try:
        yield sizes
        junk = [[] for _ in range(5000)]
        del junk
    finally:
        gc.callbacks.remove(on_collect)
