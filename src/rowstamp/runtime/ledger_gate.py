"""``rowstamp verify`` before every upgrade: refuse to build on an edited history.

An upgrade runs the pending revisions on top of what the database already has. If
an applied revision was edited since, the database differs from every new one and
the pending revisions were written against the other history; so the env.py run
(``runtime/ledger_run.py``) verifies the ledger first and refuses, unless the caller
accepts the edit, saying why (``--accept-edited REV --reason TEXT``, or ``-x
accept-edited=REV -x reason=TEXT`` for plain ``alembic``). The acceptance is an
``accept`` row in the ledger, so it is on record and the next verify passes. Other
problems (a missing file, an out-of-order revision) are printed, not refused: Alembic
itself fails on a missing file, and the others need a person to look.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rowstamp.errors import RowstampError
from rowstamp.history.applied import accept_edited
from rowstamp.history.ledger import Entry, Ledger, file_sha
from rowstamp.history.verify import Problem, ledger_problems

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory

    from rowstamp.runtime.options import RunOptions

__all__ = ["EditedHistoryError", "Verdict", "judge", "verify_first"]


class EditedHistoryError(RowstampError):
    """An applied revision was edited, and no one accepted the edit."""


@dataclass(frozen=True)
class Verdict:
    """What the run does about the ledger's problems."""

    accepted: list[Problem] = field(default_factory=list)
    """Edits to record as accepted (an ``accept`` row each) before going on."""
    warnings: list[str] = field(default_factory=list)
    refusal: EditedHistoryError | None = None


def verify_first(
    write: Callable[..., Any],
    script: ScriptDirectory,
    ledger: Ledger,
    heads: Sequence[str],
    options: RunOptions | None,
    *,
    entries: Sequence[Entry],
    checksum: Callable[[Path], str],
    facts: Mapping[str, Any],
    report: Callable[[str], None],
) -> None:
    """Verify the ledger before a run's first step, through ``write`` (how the run
    reaches its ledger and commits); record the edits ``options`` accept, print the
    other problems, and refuse an upgrade on top of an edited history."""
    problems = write(
        lambda connection: ledger_problems(connection, script, ledger, heads=heads, entries=entries)
    )
    verdict = judge(
        problems,
        options.accept_edited if options else (),
        options.accept_reason if options else None,
        refuse=options is None or options.command in (None, "upgrade"),
    )
    reason = (options.accept_reason if options else None) or ""
    for problem in verdict.accepted:
        assert problem.path is not None
        write(
            accept_edited,
            ledger=ledger,
            revision=problem.revision,
            reason=reason,
            checksum=checksum(problem.path),
            file_sha=file_sha(problem.path),
            facts=facts,
        )
        report(f"accepted the edit of applied revision {problem.revision}: {reason}")
    for line in verdict.warnings:
        report(line)
    if verdict.refusal is not None:
        raise verdict.refusal


def judge(
    problems: Sequence[Problem],
    accept: Sequence[str] = (),
    reason: str | None = None,
    *,
    refuse: bool = True,
) -> Verdict:
    """Split ``problems``: the edits ``accept`` names (with a ``reason``), the lines to
    print, and, when ``refuse`` (an upgrade), the refusal for the other edits.
    Interruptions are left out: the run has already reported them."""
    edited = [p for p in problems if p.kind == "edited"]
    accepted = [_edit(edited, revision) for revision in accept]
    if accepted and not (reason or "").strip():
        raise RowstampError(
            "accepting an edited revision needs a reason, which the ledger keeps",
            'add --reason "why the edit is safe" (plain alembic: -x "reason=...")',
        )
    left = [p for p in edited if p not in accepted]
    others = [p for p in problems if p.kind not in ("edited", "interrupted")]
    lines = [f"{p.severity}: {p}" for p in others]
    if not left:
        return Verdict(accepted, lines)
    if not refuse:
        return Verdict(accepted, [f"error: {p}" for p in left] + lines)
    revisions = ",".join(p.revision for p in left)
    what = (
        left[0].message
        if len(left) == 1
        else f"{len(left)} applied revisions were edited after they ran here "
        f"({revisions}); first: {left[0].message}"
    )
    return Verdict(
        accepted,
        lines,
        EditedHistoryError(
            f"refusing to upgrade: {what}",
            f"restore the file, or accept the edit: rowstamp upgrade --accept-edited {revisions} "
            f'--reason TEXT (plain alembic: alembic -x accept-edited={revisions} -x "reason=TEXT" '
            "upgrade head)",
        ),
    )


def _edit(edited: list[Problem], revision: str) -> Problem:
    """The edited revision ``revision`` names (its id or a unique prefix of it)."""
    found = [p for p in edited if p.revision == revision] or [
        p for p in edited if p.revision.startswith(revision)
    ]
    if len(found) != 1:
        names = ", ".join(p.revision for p in edited) or "none"
        raise RowstampError(
            f"--accept-edited {revision}: not an applied revision of this database that "
            f"was edited (edited ones: {names})",
            "name one of those, or drop --accept-edited (rowstamp verify lists them)",
        )
    return found[0]
