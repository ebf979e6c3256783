"""What a MySQL-family server offers rowstamp: one probe query.

``VERSION()`` names products that speak MySQL's protocol without MySQL's triggers
(TiDB: ``8.0.11-TiDB-v7.5.0``; Vitess and PlanetScale: ``8.0.x-Vitess``), and the
privilege tables say whether this user may create triggers at all: a user without
the ``TRIGGER`` privilege (globally or on this database) is a real way a MariaDB
has no triggers for rowstamp. Then ``updated_at`` can only be kept by the column's
``ON UPDATE CURRENT_TIMESTAMP(6)`` or by the ORM's ``onupdate``, and ``rowstamp
doctor`` says so. Privileges granted through a role are not seen (counted missing).
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import Connection, text

from rowstamp.engines.capabilities import Capabilities

__all__ = ["probe"]

_GRANTEE = (
    "CONCAT('''', LEFT(CURRENT_USER(), CHAR_LENGTH(CURRENT_USER()) - "
    "CHAR_LENGTH(SUBSTRING_INDEX(CURRENT_USER(), '@', -1)) - 1), '''@''', "
    "SUBSTRING_INDEX(CURRENT_USER(), '@', -1), '''')"
)
_PROBE = text(
    f"""
    SELECT VERSION(), CURRENT_USER(),
      EXISTS (SELECT 1 FROM information_schema.USER_PRIVILEGES
              WHERE GRANTEE = {_GRANTEE} AND PRIVILEGE_TYPE = 'TRIGGER')
      OR EXISTS (SELECT 1 FROM information_schema.SCHEMA_PRIVILEGES
                 WHERE GRANTEE = {_GRANTEE} AND PRIVILEGE_TYPE = 'TRIGGER'
                   AND DATABASE() LIKE TABLE_SCHEMA)
    """
)

_NO_TRIGGERS = {"TiDB": "TiDB", "Vitess": "Vitess (PlanetScale)"}


def probe(connection: Connection, name: str) -> Capabilities:
    """``name`` is the engine module's (MySQL or MariaDB)."""
    version, user, may_trigger = connection.execute(_PROBE).one()
    version = str(version)
    found = Capabilities(
        product=f"{name} {version}",
        transactional_ddl=False,
        replace_function_in_use=False,
        several_ddl_per_transaction=False,
        on_update_clause=True,
    )
    product = next((p for mark, p in _NO_TRIGGERS.items() if mark in version), None)
    if product is not None:
        note = f"{product} has no triggers: updated_at is kept by ON UPDATE or the ORM"
        return replace(found, product=f"{product} {version}", row_triggers=False, notes=(note,))
    if not may_trigger:
        note = (
            f"this user ({user}) lacks the TRIGGER privilege: updated_at is kept by "
            "ON UPDATE or the ORM, not a trigger"
        )
        return replace(found, row_triggers=False, notes=(note,))
    return found
