"""Forgotten memories: what ``memory_forget`` took out, so capture does not take it back.

A memory captured wrongly (a line that was no memory, a rule that no longer
holds while its note is still read) is forgotten on purpose: moved to the
archive (``reason: "forgotten"``, restorable with ``memory_restore``) and
remembered in the store's top-level ``forgotten`` list::

    "forgotten": [{"id": "m_…", "texts": ["m_…", …], "files": ["memory/2026-03-02.md"],
                   "forgotten_at": "2026-03-02T21:30:00+01:00"}]

``texts`` are the ids of every wording the memory had (its text, its
history, the wording a restore put aside) and ``files`` every note it was
read in. While such a note still holds one of those wordings, capture skips
that item: it counts it as forgotten instead of making the memory again. The
same words written in another note, or the line edited, are new: capture
takes them. ``memory_restore --id`` brings the memory back and drops its
entry. Entries this code cannot read are kept as they are, and skip nothing.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from .normalize import memory_id
from .survivor import identify
from .wording import KEPT_OVER, current_wording, history_of

#: the store's top-level key holding the forgotten memories
FORGOTTEN_KEY = "forgotten"

Memory = dict[str, Any]


def tombstone(memory: Memory, forgotten_at: str) -> dict[str, Any]:
    """The ``forgotten`` entry of ``memory``: its id, its wordings' ids, the notes it came from."""
    wordings = [current_wording(memory), *history_of(memory)]
    put_aside = memory.get(KEPT_OVER)
    texts = [memory_id(wording.text) for wording in wordings]
    files = [wording.file for wording in wordings]
    if isinstance(put_aside, dict) and isinstance(put_aside.get("text"), str):
        texts.append(memory_id(put_aside["text"]))
    sources = memory.get("sources")
    for source in sources if isinstance(sources, list) else ():
        if isinstance(source, dict) and isinstance(source.get("file"), str):
            files.append(source["file"])
    return {
        "id": identify(memory),
        "texts": list(dict.fromkeys(texts)),
        "files": sorted({file for file in files if file}),
        "forgotten_at": forgotten_at,
    }


def _entries(extra: dict[str, Any]) -> list[Any]:
    entries = extra.get(FORGOTTEN_KEY)
    return entries if isinstance(entries, list) else []


def forgotten_entries(extra: dict[str, Any]) -> list[dict[str, Any]]:
    """The entries of the ``forgotten`` list that name a memory id, in order."""
    return [
        entry
        for entry in _entries(extra)
        if isinstance(entry, dict) and isinstance(entry.get("id"), str)
    ]


def forgotten_ids(extra: dict[str, Any]) -> set[str]:
    """The ids of the memories the store says were forgotten."""
    return {entry["id"] for entry in forgotten_entries(extra)}


def forgotten_lines(extra: dict[str, Any]) -> frozenset[tuple[str, str]]:
    """(note, text id) pairs capture skips: a forgotten wording in a note it came from."""
    pairs: set[tuple[str, str]] = set()
    for entry in _entries(extra):
        if not isinstance(entry, dict):
            continue
        texts, files = entry.get("texts"), entry.get("files")
        if not (isinstance(texts, list) and isinstance(files, list)):
            continue
        for file in files:
            if isinstance(file, str):
                pairs.update((file, text) for text in texts if isinstance(text, str))
    return frozenset(pairs)


def remember_forgotten(extra: dict[str, Any], entries: Iterable[dict[str, Any]]) -> None:
    """Add ``entries`` to the store's ``forgotten`` list (an entry of the same id replaced)."""
    new = list(entries)
    ids = {entry["id"] for entry in new}
    kept = [
        entry
        for entry in _entries(extra)
        if not (isinstance(entry, dict) and entry.get("id") in ids)
    ]
    extra[FORGOTTEN_KEY] = kept + new


def unforget(extra: dict[str, Any], ids: Collection[str]) -> bool:
    """Drop the entries of ``ids`` (memories restored); True when one was there."""
    entries = _entries(extra)
    kept = [entry for entry in entries if not (isinstance(entry, dict) and entry.get("id") in ids)]
    if len(kept) == len(entries):
        return False
    if kept:
        extra[FORGOTTEN_KEY] = kept
    else:
        extra.pop(FORGOTTEN_KEY, None)
    return True
