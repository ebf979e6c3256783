"""Checksums already computed, kept beside Python's bytecode of the migrations.

Reading a checksum replays the file's functions (a few milliseconds); the ledger
needs one per applied step. A file with the same bytes has the same checksum under
one algorithm, so ``__pycache__/rowstamp-checksums.json`` in each version folder
maps ``algorithm -> sha256 of the bytes -> checksum``. Like the bytecode next to it,
it is derived, never committed, and rebuilt when missing: a folder that cannot be
written (a read-only image) just means computing again.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from rowstamp.history.checksum import CURRENT, checksum
from rowstamp.history.ledger import file_sha

__all__ = ["CACHE_NAME", "ChecksumCache"]

CACHE_NAME = "rowstamp-checksums.json"


class ChecksumCache:
    """``checksum(path)`` through the cache files of the folders it is asked about."""

    def __init__(self, algorithm: str = CURRENT) -> None:
        self.algorithm = algorithm
        self._folders: dict[str, dict[str, str]] = {}
        """By folder name (a string: hashing a new ``Path`` per step costs more)."""
        self._dirty: set[str] = set()

    def checksum(self, path: Path, sha: str | None = None) -> str:
        """``path``'s checksum; ``sha`` (of its bytes) when the caller has it already."""
        sha = sha or file_sha(path)
        known = self._folder(path)
        found = known.get(sha)
        if found is None:
            found = known[sha] = checksum(path, self.algorithm)
            self._dirty.add(os.path.dirname(path))
        return found

    def cached(self, path: Path, sha: str) -> str | None:
        """The checksum of ``path`` (whose bytes have ``sha``) if known, else None."""
        return self._folder(path).get(sha)

    def save(self) -> None:
        """Write the folders that learned a checksum (atomically; silently not at all
        where the folder cannot be written)."""
        for folder in self._dirty:
            target = Path(folder, "__pycache__", CACHE_NAME)
            try:
                target.parent.mkdir(exist_ok=True)
                stored = _read(target)
                stored[self.algorithm] = {
                    **stored.get(self.algorithm, {}),
                    **self._folders[folder],
                }
                handle, name = tempfile.mkstemp(dir=target.parent, prefix=".rowstamp-")
                with os.fdopen(handle, "w", encoding="utf-8") as out:
                    json.dump(stored, out, sort_keys=True)
                os.replace(name, target)
            except OSError:
                continue
        self._dirty.clear()

    def _folder(self, path: Path) -> dict[str, str]:
        """What the cache file of ``path``'s folder holds (read once)."""
        folder = os.path.dirname(path)
        found = self._folders.get(folder)
        if found is None:
            found = self._folders[folder] = dict(
                _read(Path(folder, "__pycache__", CACHE_NAME)).get(self.algorithm, {})
            )
        return found


def _read(path: Path) -> dict[str, dict[str, str]]:
    """The cache file, or nothing when it is missing, unreadable or not ours."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {
        algorithm: {k: v for k, v in entries.items() if isinstance(v, str)}
        for algorithm, entries in data.items()
        if isinstance(entries, dict)
    }
