"""How long to wait before the next attempt: a pure function, tested alone."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

#: seconds; the first retry waits factor ** 1, then factor ** 2, ...
DEFAULT_FACTOR = 2.0
#: seconds; no single wait is longer than this
DEFAULT_MAX_BACKOFF_S = 60.0


def compute_backoff(
    attempt: int,
    *,
    factor: float = DEFAULT_FACTOR,
    max_backoff_s: float = DEFAULT_MAX_BACKOFF_S,
    jitter: float = 0.0,
    rand: Callable[[], float] | None = None,
) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (1-based): 2, 4, 8, ...

    ``jitter`` adds up to that fraction of the delay at random, so runs that
    failed together (a gateway restart) do not all retry in the same second.
    The result never exceeds ``max_backoff_s``.
    """
    if attempt < 1:
        raise ValueError(f"attempt must be >= 1, got {attempt}")
    # Cap the exponent before exponentiating: 2.0 ** 5000 overflows.
    delay = min(factor ** min(attempt, 64), max_backoff_s)
    if jitter > 0:
        if rand is None:
            import random  # only when jitter is asked for: it costs startup time

            rand = random.random
        delay += delay * jitter * rand()
    return max(0.0, min(delay, max_backoff_s))
