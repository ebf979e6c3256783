"""Single head: the history is one line.

Prevents: two branches merged into main each adding a revision on the same parent,
so ``alembic upgrade head`` refuses to run in production ("multiple heads").
"""

from __future__ import annotations

from alembic.config import Config

from rowstamp.history.heads import find_heads, multiple_heads_error
from rowstamp.testing.base import CheckFailed

__all__ = ["check_single_head"]


def check_single_head(config: Config) -> int:
    """Fail when the history has several heads; return the number of heads (1)."""
    heads = find_heads(config)
    if heads.multiple:
        raise CheckFailed(str(multiple_heads_error(heads)))
    return len(heads.branches)
