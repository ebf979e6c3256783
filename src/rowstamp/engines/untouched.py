"""Trigger version 2: writes that leave ``updated_at`` alone, and which version a table has.

A version 2 trigger sets ``updated_at`` unless the writing transaction (PostgreSQL,
SQLite) or session (MySQL/MariaDB) is marked untouched; the mark is something no
other connection can observe, so a backfill marked this way leaves ``updated_at``
as it was while a concurrent application UPDATE still bumps it. ``EngineSupport``
inherits this mixin; each engine module says how it marks a connection.
"""

from __future__ import annotations

from typing import ClassVar, NamedTuple

from sqlalchemy import Connection
from sqlalchemy.sql.elements import TextClause

from rowstamp.engines.ddl import TriggerSpec

__all__ = ["UNTOUCHED_SETTING", "TriggerState", "UntouchedSupport"]

UNTOUCHED_SETTING = "rowstamp_untouched"
"""The name of the mark: PostgreSQL's setting ``rowstamp.untouched``, MySQL's user
variable ``@rowstamp_untouched``, SQLite's marker table ``rowstamp_untouched``."""


class TriggerState(NamedTuple):
    """What the catalog says of one table's trigger."""

    version: int
    columns: tuple[str, ...] | None = None
    """The columns whose update fires it, where its SQL names them (SQLite's version 4)."""


class UntouchedSupport:
    """What ``rowstamp.untouched`` and ``op.backfill(touch=False)`` need of an engine."""

    trigger_forms: ClassVar[tuple[int, ...]] = (1, 2)
    """The trigger versions with a form of their own here; any other is written as the
    newest of these below it, and reads back as that one. Version 3 has a form on
    PostgreSQL, where the check moves to the trigger's ``WHEN`` clause; version 4 on
    SQLite, where the trigger fires only on an update of the columns it names
    (``engines.sqlite``), and SQLite's version 3 is version 2. MariaDB's version 2
    had no cheaper form (bench/trigger_floor.py: even ``IF(TRUE, ...)`` costs 1.07x
    version 1's bare ``SET``), so there versions 3 and 4 are version 2, and on
    PostgreSQL version 4 is version 3. Migrations are history: a migration pinned to
    ``version=4`` writes that older form's SQL on those engines for good, so a cheaper
    form found there later must take a new number."""

    def trigger_form(self, version: int) -> int:
        """The version whose trigger ``version`` writes here, and reads back as."""
        return max(form for form in self.trigger_forms if form <= version)

    def written_spec(self, spec: TriggerSpec) -> TriggerSpec:
        """``spec`` as this engine writes it: at ``trigger_form`` of its version, with
        the columns only where that form names them (version 4)."""
        form = self.trigger_form(spec.version)
        if form == spec.version:
            return spec
        columns = spec.columns if form >= 4 else None
        return TriggerSpec(
            spec.table_name,
            spec.schema,
            version=form,
            now=spec.now,
            column=spec.column,
            columns=columns,
        )

    untouched_survives_transaction: ClassVar[bool] = False
    """True where the mark outlives its transaction (a MySQL session variable): it is
    taken away before every commit and after every rollback."""

    untouched_commits: ClassVar[bool] = False
    """True where a mark left at COMMIT would be committed for every connection to see
    (SQLite's marker row): it is taken away before every commit."""

    def trigger_versions(self, connection: Connection, schema: str | None) -> dict[str, int]:
        """The version of rowstamp's trigger on each table in ``schema`` that has one:
        one catalog query."""
        raise NotImplementedError

    def trigger_states(self, connection: Connection, schema: str | None) -> dict[str, TriggerState]:
        """``trigger_versions`` with the columns that fire each trigger where its SQL
        names them: the same one catalog query."""
        return {t: TriggerState(v) for t, v in self.trigger_versions(connection, schema).items()}

    def tables_with_trigger(self, connection: Connection, schema: str | None) -> set[str]:
        """Names of the tables in ``schema`` that have rowstamp's trigger: one catalog query."""
        return set(self.trigger_versions(connection, schema))

    def mark_untouched(self) -> TextClause:
        """The statement that marks this connection's writes as leaving ``updated_at``."""
        raise NotImplementedError

    def unmark_untouched(self) -> TextClause:
        """The statement that takes the mark away again."""
        raise NotImplementedError

    def after_trigger_drop(self, connection: Connection, schema: str | None) -> None:
        """Online, after a trigger was dropped: remove what only version 2 triggers
        needed once none is left (SQLite's marker table); nothing elsewhere."""
