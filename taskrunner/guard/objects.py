"""The content-addressed object store: each distinct content once, named by its SHA-256.

An object is a plain copy of the file's bytes at ``objects/<2 hex>/<62 hex>``
(no compression, no container), so a person can always get a note back with
``cp``. Objects are written atomically and never modified; reading one
checks its hash, so a damaged copy is reported instead of restored.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from collections.abc import Iterator
from pathlib import Path

from ..errors import CorruptInput
from ..system.atomic import write_atomic

_HEX64 = re.compile(r"[0-9a-f]{64}")


class ObjectMissing(CorruptInput):
    """Raised when a version's object file is not in the store (deleted by hand, disk fault)."""


class ObjectDamaged(CorruptInput):
    """Raised when an object's bytes no longer match the hash it is named by."""


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class ObjectStore:
    """``objects/`` of one snapshot folder."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, hash_hex: str) -> Path:
        return self.root / hash_hex[:2] / hash_hex[2:]

    def has(self, hash_hex: str) -> bool:
        return self.path(hash_hex).is_file()

    def put(self, data: bytes, hash_hex: str | None = None) -> tuple[str, bool]:
        """Store ``data``; returns its hash and whether a new object was written."""
        hash_hex = hash_hex or digest(data)
        target = self.path(hash_hex)
        try:
            if target.stat().st_size == len(data):
                return hash_hex, False
        except FileNotFoundError:
            pass
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_atomic(target, data, mode=0o600)
        return hash_hex, True

    def get(self, hash_hex: str) -> bytes:
        """The bytes of an object, checked against its name."""
        try:
            data = self.path(hash_hex).read_bytes()
        except FileNotFoundError:
            raise ObjectMissing(
                f"the snapshot object {hash_hex[:12]} is missing from {self.root}"
            ) from None
        if digest(data) != hash_hex:
            raise ObjectDamaged(
                f"the snapshot object {hash_hex[:12]} in {self.root} is damaged (its bytes "
                "no longer match its hash); it was not used"
            )
        return data

    def hashes(self) -> Iterator[str]:
        """Every object in the store (temp files of an interrupted write excluded)."""
        try:
            shards = sorted(os.listdir(self.root))
        except FileNotFoundError:
            return
        for shard in shards:
            if len(shard) != 2:
                continue
            with contextlib.suppress(NotADirectoryError, FileNotFoundError):
                for name in os.listdir(self.root / shard):
                    if _HEX64.fullmatch(shard + name):
                        yield shard + name

    def delete(self, hash_hex: str) -> int:
        """Remove an object (retention only, under the guard lock); its size in bytes."""
        target = self.path(hash_hex)
        try:
            size = target.stat().st_size
            target.unlink()
        except FileNotFoundError:
            return 0
        return size

    def leftover_temp_files(self) -> Iterator[Path]:
        """Temp files a killed write left behind (``.<name>.tmp-*``); safe to remove."""
        with contextlib.suppress(FileNotFoundError):
            for shard in os.listdir(self.root):
                with contextlib.suppress(NotADirectoryError, FileNotFoundError):
                    for name in os.listdir(self.root / shard):
                        if name.startswith(".") and ".tmp-" in name:
                            yield self.root / shard / name
