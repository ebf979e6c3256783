"""``rowstamp fleet status``: every target's revision, ledger state and lock holder.

Targets that share a server are read by one query on one connection (a PostgreSQL
database's tenant schemas, a MariaDB server's databases: ``engines.tenants``), never
one connection per tenant. Servers are read a few at a time in threads; results are
yielded as they come, one small record per target.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

from alembic.script import ScriptDirectory
from sqlalchemy import create_engine
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from rowstamp.engines.tenants import Found, read_places, server_and_place
from rowstamp.errors import RowstampError, first_line
from rowstamp.fleet.targets import Target
from rowstamp.history.ledger import ledger_table_name
from rowstamp.runtime.lock import lock_key
from rowstamp.urls import mask_secrets, mask_url

if TYPE_CHECKING:
    from alembic.config import Config

    from rowstamp.settings import RowstampSettings

__all__ = ["STATES", "FleetHistory", "TargetStatus", "read_status", "summary"]

STATES = ("at head", "behind", "ahead", "failed", "locked")
"""The states a target is counted in, in the order the summary prints them."""

VERSION_TABLE = "alembic_version"
_SERVERS_AT_ONCE = 8


@dataclass(frozen=True)
class FleetHistory:
    """What a target's revision is judged against: the project's migration files."""

    heads: frozenset[str]
    known: frozenset[str]
    ledger_table: str | None

    @classmethod
    def of(cls, config: Config) -> FleetHistory:
        script = ScriptDirectory.from_config(config)
        known = frozenset(s.revision for s in script.walk_revisions())
        return cls(frozenset(script.get_heads()), known, ledger_table_name(config))


@dataclass(frozen=True, slots=True)
class TargetStatus:
    """One target's state; ``detail`` says why it is failed or locked."""

    name: str
    state: str
    revisions: tuple[str, ...]
    detail: str = ""
    reachable: bool = True
    """False: its server or schema could not be read; an upgrade would fail the same way."""

    @property
    def revision(self) -> str:
        return ", ".join(self.revisions) or "base"


def read_status(
    targets: Iterable[Target],
    settings: RowstampSettings,
    history: FleetHistory,
) -> Iterator[tuple[Target, TargetStatus]]:
    """Each target with its status, one query per server; URLs normalised as
    ``DATABASE_URL`` is (``settings.with_url``)."""
    groups: dict[str, tuple[URL, list[tuple[Target, str | None]]]] = {}
    parsed: dict[str, URL | str] = {}  # tenants share one URL: parsed once, not per schema
    keys: dict[tuple[str, bool], str] = {}  # and its server's, rendered once
    for target in targets:
        url = parsed.get(target.url)
        if url is None:
            try:
                url = settings.with_url(target.url).url
            except ValueError as exc:
                url = f"bad URL: {first_line(exc)}"
            parsed[target.url] = url
        if isinstance(url, str):
            yield target, TargetStatus(target.name, "failed", (), url, reachable=False)
            continue
        server, place = server_and_place(url, target.schema)
        key = keys.get((target.url, server is url))
        if key is None:
            key = keys[target.url, server is url] = server.render_as_string(hide_password=False)
        groups.setdefault(key, (server, []))[1].append((target, place))
    with ThreadPoolExecutor(max_workers=min(_SERVERS_AT_ONCE, max(1, len(groups)))) as pool:
        futures = [
            pool.submit(_read_server, server, members, history)
            for server, members in groups.values()
        ]
        del groups
        for future in futures:
            yield from future.result()


def _read_server(
    server: URL, members: list[tuple[Target, str | None]], history: FleetHistory
) -> list[tuple[Target, TargetStatus]]:
    engine = create_engine(server, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            found = read_places(
                connection,
                list(dict.fromkeys(place for _, place in members)),
                lock_key=lambda place: lock_key(VERSION_TABLE, place),
                version_table=VERSION_TABLE,
                ledger_table=history.ledger_table,
            )
            connection.rollback()
    except (DBAPIError, SQLAlchemyError, RowstampError, TypeError) as exc:
        line = mask_secrets(first_line(exc), server)
        detail = f"cannot read {mask_url(server)}: {line}"
        return [
            (t, TargetStatus(t.name, "failed", (), detail, reachable=False)) for t, _ in members
        ]
    finally:
        engine.dispose()
    return [(t, judge(t.name, found[place], history, t.schema)) for t, place in members]


def judge(name: str, found: Found, history: FleetHistory, schema: str | None) -> TargetStatus:
    """The state of one target, from what its server reported."""
    revisions = found.revisions or ()
    if not found.present:
        what = f"schema {schema}" if schema is not None else "its database"
        return TargetStatus(
            name, "failed", (), f"{what} does not exist; create it first", reachable=False
        )
    if found.holder is not None:
        return TargetStatus(name, "locked", revisions, f"migration lock held by {found.holder}")
    if found.running:
        return TargetStatus(
            name,
            "failed",
            revisions,
            f"{found.running} step(s) of a run that died are still 'running' in the ledger; "
            "upgrade again, then see: rowstamp verify",
        )
    if revisions and set(revisions) == history.heads:
        return TargetStatus(name, "at head", revisions)
    if any(r not in history.known for r in revisions):
        return TargetStatus(name, "ahead", revisions, "a revision these files do not have")
    return TargetStatus(name, "behind", revisions)


def summary(counts: Counter[str], total: int) -> str:
    """``1000 targets: 990 at head, 8 behind, ...`` (every state, zero or not)."""
    return f"{total} targets: " + ", ".join(f"{counts[s]} {s}" for s in STATES)


def count(
    statuses: Iterable[TargetStatus], keep: Callable[[TargetStatus], bool]
) -> tuple[Counter[str], list[TargetStatus]]:
    """Counts per state, and the statuses ``keep`` keeps (the stragglers)."""
    counts: Counter[str] = Counter()
    kept = []
    for status in statuses:
        counts[status.state] += 1
        if keep(status):
            kept.append(status)
    return counts, kept
