"""Seeded generator of realistic memory stores for the consolidation benchmark.

Texts of 5-40 words drawn from a Zipfian vocabulary of ~20k words; about
10 % of memories are near-duplicates of an earlier one (word-set Jaccard
0.8-0.95, so some are above the 0.9 threshold and some below), about 2 %
exact duplicates with case changes; some mention numbers (ports, dates,
versions), as real notes do.
"""

from __future__ import annotations

import itertools
import random
from datetime import datetime, timedelta, timezone
from typing import Any

from taskrunner.memory.kinds import importance_of

VOCAB_SIZE = 20_000
ZIPF_S = 1.07
NEAR_DUP_SHARE = 0.10
EXACT_DUP_SHARE = 0.02
NUMBER_SHARE = 0.08

_SYLLABLES = [
    c + v
    for c in ["b", "c", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z"]
    for v in ["a", "e", "i", "o", "u", "ai", "ou"]
]
#: kind, share of the store (importance comes from the product's own table)
_KINDS = [
    ("decision", 0.10),
    ("blocker", 0.03),
    ("todo", 0.15),
    ("learned", 0.07),
    ("fact", 0.35),
    ("completed", 0.10),
    ("header", 0.20),
]


def _vocabulary(rng: random.Random) -> list[str]:
    common = [
        *("the", "to", "and", "a", "of", "we", "in", "is", "for", "it", "on", "that", "with"),
        *("this", "be", "not", "use", "at", "from", "as", "by", "need", "should", "will"),
        *("deploy", "server", "user", "agent", "memory", "note", "fix", "run", "test"),
    ]
    words = list(dict.fromkeys(common))
    seen = set(words)
    while len(words) < VOCAB_SIZE:
        word = "".join(rng.choices(_SYLLABLES, k=rng.choice((1, 2, 2, 3, 3, 4))))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


def _near_variant(
    rng: random.Random, base: list[str], draw: Any, lo: float = 0.8, hi: float = 0.95
) -> list[str] | None:
    """Edit ``base`` until its word-set Jaccard with the original is in [lo, hi]."""
    original = set(base)
    for _ in range(8):
        words = list(base)
        for _ in range(rng.randint(1, 3)):
            op = rng.random()
            if op < 0.4 and len(words) > 5:
                words.pop(rng.randrange(len(words)))
            elif op < 0.7:
                words.insert(rng.randrange(len(words) + 1), draw())
            else:
                words[rng.randrange(len(words))] = draw()
        variant = set(words)
        union = len(original | variant)
        if union and lo <= len(original & variant) / union <= hi:
            return words
    return None


def generate(n: int, *, seed: int = 1, now: datetime | None = None) -> list[dict[str, Any]]:
    """``n`` memories as the store holds them."""
    rng = random.Random(seed)
    vocab = _vocabulary(rng)
    weights = (1.0 / (rank**ZIPF_S) for rank in range(1, VOCAB_SIZE + 1))
    cum_weights = list(itertools.accumulate(weights))
    # one big draw is much faster than one per word
    pool = rng.choices(vocab, cum_weights=cum_weights, k=n * 24 + 1000)
    pool_iter = iter(pool)

    def draw() -> str:
        nonlocal pool_iter
        try:
            return next(pool_iter)
        except StopIteration:
            pool_iter = iter(rng.choices(vocab, cum_weights=cum_weights, k=100_000))
            return next(pool_iter)

    now = now or datetime(2026, 11, 29, 9, 0, tzinfo=timezone(timedelta(hours=1)))
    kinds = [k for k, _ in _KINDS]
    kind_weights = [w for _, w in _KINDS]
    importance = {k: importance_of(k) for k in kinds}
    texts: list[list[str]] = []
    memories: list[dict[str, Any]] = []
    for _ in range(n):
        roll = rng.random()
        words: list[str] | None = None
        text: str | None = None
        if texts and roll < EXACT_DUP_SHARE:
            base = memories[rng.randrange(len(memories))]["text"]
            text = rng.choice((base.upper(), base.lower(), base.title(), base.swapcase()))
        elif texts and roll < EXACT_DUP_SHARE + NEAR_DUP_SHARE:
            words = _near_variant(rng, texts[rng.randrange(len(texts))], draw)
        if text is None:
            if words is None:
                words = [draw() for _ in range(rng.randint(5, 40))]
                if rng.random() < NUMBER_SHARE:
                    words.insert(
                        rng.randrange(len(words) + 1),
                        rng.choice(
                            (
                                str(rng.randint(1024, 65535)),
                                f"v{rng.randint(1, 9)}.{rng.randint(0, 20)}",
                                f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                            )
                        ),
                    )
            texts.append(words)
            text = " ".join(words)
            text = text[0].upper() + text[1:] + "."
        kind = rng.choices(kinds, weights=kind_weights)[0]
        created = now - timedelta(days=rng.uniform(0, 120))
        last_seen = created + timedelta(days=rng.uniform(0, (now - created).days or 0.5))
        day = created.date().isoformat()
        memory: dict[str, Any] = {
            "id": f"m_{rng.getrandbits(64):016x}",
            "text": text,
            "kind": kind,
            "importance": importance[kind],
            "created_at": created.isoformat(timespec="seconds"),
            "last_seen_at": last_seen.isoformat(timespec="seconds"),
            "date": day,
            "sources": [{"file": f"memory/{day}.md", "line": rng.randint(1, 200)}],
            "seen_count": rng.randint(1, 5),
        }
        if rng.random() < 0.01:
            memory["pinned"] = True
        memories.append(memory)
    return memories
