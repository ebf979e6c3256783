"""``--shard I/N``: a stable part of the fleet, so N CI jobs or Kubernetes Jobs split it.

A target's shard is a hash of its name, not its position: adding or removing a
tenant moves no other target to another shard, so two runs of different ages still
agree on most of the partition (and where they overlap, the per-target migration
lock keeps each revision applied once). Shards are numbered from 0, as a Kubernetes
Indexed Job's ``JOB_COMPLETION_INDEX`` is.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from rowstamp.errors import SettingsError

__all__ = ["Shard", "parse_shard", "shard_of"]

_SHARD = re.compile(r"\s*(\d+)\s*/\s*(\d+)\s*")


@dataclass(frozen=True)
class Shard:
    """Part ``index`` of ``count`` (0 <= index < count)."""

    index: int
    count: int

    def holds(self, name: str) -> bool:
        """Whether the target ``name`` is in this shard."""
        return shard_of(name, self.count) == self.index

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def shard_of(name: str, count: int) -> int:
    """The shard of the target ``name`` among ``count``: the first 8 bytes of its sha256."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big") % count


def parse_shard(text: str) -> Shard:
    """``I/N`` as a ``Shard``; one line when it is not one."""
    match = _SHARD.fullmatch(text)
    if match is None:
        raise SettingsError(
            f"--shard {text!r} is not I/N", "write e.g. --shard 0/4 (shards 0 to 3)"
        )
    index, count = int(match[1]), int(match[2])
    if count < 1 or index >= count:
        raise SettingsError(
            f"--shard {text}: shards of {count} are numbered 0 to {count - 1}",
            "write --shard $JOB_COMPLETION_INDEX/N with an index below N",
        )
    return Shard(index, count)
