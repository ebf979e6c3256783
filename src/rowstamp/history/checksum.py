"""Checksums of what a migration file does, not of its bytes.

A checksum is ``<algorithm>:<hex>``; the prefix names the algorithm, so a stored
checksum stays verifiable after a newer algorithm becomes the default (Liquibase
changed its algorithm in place and every stored checksum broke). ``ALGORITHMS``
keeps every algorithm ever shipped; an algorithm's output never changes once
released: a fix is a new prefix. Each algorithm is its own module (``checksum_v1``),
imported when a checksum is computed: a run whose checksums are cached or already
in the ledger does not load what replaying a file needs (autogenerate, the reader).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rowstamp.errors import RowstampError

__all__ = ["ALGORITHMS", "CURRENT", "ChecksumError", "checksum", "verify"]


class ChecksumError(RowstampError):
    """A checksum that cannot be computed or read."""


def _v1(path: Path) -> str:
    from rowstamp.history.checksum_v1 import v1

    return v1(path)


ALGORITHMS: dict[str, Callable[[Path], str]] = {"v1": _v1}
"""Every checksum algorithm ever released, by prefix. Never change or remove one."""

CURRENT = "v1"
"""The algorithm new checksums are computed with."""


def checksum(path: Path, algorithm: str = CURRENT) -> str:
    """The checksum of the migration file at ``path``, as ``<algorithm>:<hex>``."""
    return f"{algorithm}:{_algorithm(algorithm)(path)}"


def verify(stored: str, path: Path) -> bool:
    """Whether ``path`` still has the ``stored`` checksum, computed with the algorithm
    its prefix names."""
    prefix, _, _ = stored.partition(":")
    return checksum(path, prefix) == stored


def _algorithm(prefix: str) -> Callable[[Path], str]:
    try:
        return ALGORITHMS[prefix]
    except KeyError:
        raise ChecksumError(
            f"unknown checksum algorithm {prefix!r}",
            f"upgrade rowstamp (this version knows: {', '.join(sorted(ALGORITHMS))})",
        ) from None
