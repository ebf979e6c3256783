"""Per-revision progress, and a failure report that says what to do next.

Alembic logs "Running upgrade a -> b" and, on failure, shows a traceback. rowstamp
watches each step as it starts and ends: the time each revision took, and when one
fails, which revision it was, what state the database is in (rolled back whole on
transactional DDL; possibly half-applied on MySQL/MariaDB, where DDL commits at
once) and the exact command to continue or to roll back.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from alembic.ddl.impl import DefaultImpl
from sqlalchemy.engine import Dialect

from rowstamp.errors import MigrationFailedError, first_line
from rowstamp.urls import mask_secrets

__all__ = ["PROGRESS_KEY", "Progress", "Step"]

log = logging.getLogger("rowstamp")

PROGRESS_KEY = "rowstamp.progress"
"""``Config.attributes`` key of a callable the CLI sets to print each finished step."""


@dataclass(frozen=True)
class Step:
    """One revision applied (or being applied) in this run."""

    revision: str
    message: str
    upgrade: bool
    seconds: float = 0.0


@dataclass
class Progress:
    """What one Alembic run has done so far."""

    start_heads: tuple[str, ...] = ()
    done: list[Step] = field(default_factory=list)
    running: Step | None = None
    _started: float = 0.0
    printer: Callable[[Step], None] | None = None

    def observe(self, fn: Callable[..., Any]) -> Callable[..., Iterator[Any]]:
        """Wrap the command's step generator: note each step as it starts."""

        def steps(heads: Any, context: Any) -> Iterator[Any]:
            self.start_heads = tuple(str(h) for h in heads or ())
            for step in fn(heads, context):
                info = step.info  # up_revision is the one applied, or the one reverted
                self.running = Step(str(info.up_revision_id), _doc(info), bool(info.is_upgrade))
                self._started = time.monotonic()
                yield step

        return steps

    def applied(self, **_: Any) -> None:
        """Alembic's ``on_version_apply`` callback: the running step finished."""
        if self.running is None:
            return
        step = Step(self.running.revision, self.running.message, self.running.upgrade,
                    time.monotonic() - self._started)  # fmt: skip
        self.done.append(step)
        self.running = None
        verb = "Applied" if step.upgrade else "Reverted"
        log.info("%s %s %s ... %.2f s", verb, step.revision, step.message, step.seconds)
        if self.printer is not None:
            self.printer(step)

    def failure(self, error: BaseException, dialect: Dialect) -> MigrationFailedError:
        """The one-line report for ``error`` raised by the running step."""
        step = self.running
        first = first_line(error)
        if step is None:
            return MigrationFailedError(f"the migration failed: {mask_secrets(first)}", "")
        transactional = DefaultImpl.get_by_dialect(dialect).transactional_ddl
        last = self.done[-1].revision if self.done else _heads(self.start_heads)
        verb = "upgrade" if step.upgrade else "downgrade"
        if transactional:
            resume = _heads(self.start_heads)
            state = f"everything this run did was rolled back; the database is at {resume}"
        elif dialect.name in {"mysql", "mariadb"}:
            state = (f"revision {step.revision} may be half-applied (MySQL DDL commits at once); "
                     f"the version table says {last}")  # fmt: skip
            resume = last
        else:
            state = f"revision {step.revision} was rolled back; the database is at {last}"
            resume = last
        target = "head" if step.upgrade else step.revision
        return MigrationFailedError(
            f"{verb} of revision {step.revision} ({step.message}) failed: {mask_secrets(first)}; "
            f"{state}",
            f"fix it, then continue with: alembic {verb} {target}; or roll back with: "
            f"alembic downgrade {resume}",
        )


def _doc(info: Any) -> str:
    revision = info.up_revision
    return str(getattr(revision, "doc", "") or "").strip()


def _heads(heads: tuple[str, ...]) -> str:
    return ", ".join(heads) or "base"
