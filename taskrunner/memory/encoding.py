"""The JSON encodings of memories: ``json.dumps``'s bytes without its per-call set-up.

``json.dumps`` builds a new C encoder on every call; at 100k memories that
costs a quarter of a store's save. These encoders are built once and write
exactly what ``json.dumps`` writes with the same settings (tested).
"""

from __future__ import annotations

import json
import json.encoder
from collections.abc import Callable
from typing import Any


def _memory_encoder(
    *,
    ensure_ascii: bool,
    sort_keys: bool = False,
    default: Callable[[Any], Any] | None = None,
) -> Callable[[Any], str]:
    """A one-object JSON encoder, as ``json.dumps`` with these settings writes.

    Built once on the C encoder when there is one: ``JSONEncoder.encode``
    builds a new C encoder on every call, which at 100k memories costs a
    quarter of the save.
    """
    make = getattr(json.encoder, "c_make_encoder", None)
    default = default or _not_serializable
    if make is None:
        return json.JSONEncoder(
            ensure_ascii=ensure_ascii, sort_keys=sort_keys, default=default
        ).encode
    quote = (
        json.encoder.c_encode_basestring_ascii  # type: ignore[attr-defined]
        if ensure_ascii
        else json.encoder.c_encode_basestring  # type: ignore[attr-defined]
    )
    # markers=None: no cycle check, what JSON was loaded from has no cycles.
    encoder = make(None, default, quote, None, ": ", ", ", sort_keys, False, True)
    join = "".join
    return lambda obj: join(encoder(obj, 0))


def _not_serializable(obj: object) -> Any:
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


#: ``json.dumps(obj, ensure_ascii=False)``, without its per-call set-up (the store, the archive)
encode_json = _memory_encoder(ensure_ascii=False)
# For the rare store holding a lone surrogate (from a "\ud800" escape), which
# UTF-8 cannot carry: escape everything rather than write invalid bytes.
encode_json_ascii = _memory_encoder(ensure_ascii=True)


def canonical_json(value: object) -> str:
    """``value`` as one comparable string: equal exactly for equal values, key order aside."""
    return _canonical(value)


_canonical = _memory_encoder(ensure_ascii=False, sort_keys=True, default=repr)
