"""How ``rowstamp drift`` words two catalogs' differences (no database: the catalogs are
written out as the engines' catalog queries return them)."""

from __future__ import annotations

from rowstamp.history.drift import compare

HISTORY = {
    ("r", "public.users"): "",
    ("column", "public.users.email"): "character varying(255) NOT NULL",
    (
        "i",
        "public.ix_users_email",
    ): "CREATE INDEX ix_users_email ON public.users USING btree (email)",
    ("function", "public.set_updated_at"): "() BEGIN NEW.updated_at := now(); RETURN NEW; END",
}


def test_the_same_catalog_has_no_difference() -> None:
    assert compare(dict(HISTORY), dict(HISTORY)) == []


def test_a_hand_made_table_is_one_line_with_its_parts_folded() -> None:
    database = {
        **HISTORY,
        ("r", "public.audit"): "",
        ("column", "public.audit.id"): "integer NOT NULL",
        ("primary key", "public.audit.audit_pkey"): "PRIMARY KEY (id)",
        (
            "i",
            "public.audit_pkey",
        ): "CREATE UNIQUE INDEX audit_pkey ON public.audit USING btree (id)",
        ("S", "public.audit_id_seq"): "",
        ("trigger", "audit.touch"): "CREATE TRIGGER touch BEFORE UPDATE ON public.audit ...",
    }
    assert [str(d) for d in compare(database, HISTORY)] == [
        "table public.audit exists in the database but not in its history (added by hand?)"
    ]


def test_changes_are_one_line_each_by_name() -> None:
    database = {
        **HISTORY,
        ("column", "public.users.email"): "character varying(320) NOT NULL",
        ("function", "public.set_updated_at"): "() BEGIN NEW.updated_at := localtimestamp; END",
        ("column", "public.users.nickname"): "character varying(40)",
    }
    del database[("i", "public.ix_users_email")]
    assert [str(d) for d in compare(database, HISTORY)] == [
        "index public.ix_users_email is in the history but not in the database (dropped by hand?)",
        "function public.set_updated_at body differs from the history's (changed by hand?)",
        "column public.users.email differs from the history's: character varying(320) "
        "NOT NULL in the database, character varying(255) NOT NULL in the history",
        "column public.users.nickname exists in the database but not in its history "
        "(added by hand?)",
    ]


def test_a_long_definition_is_said_to_differ_not_shown() -> None:
    trigger = "CREATE TRIGGER update_timestamp_users AFTER UPDATE ON users BEGIN "
    history = {("trigger", "update_timestamp_users"): trigger + "UPDATE users SET ...; END"}
    database = {("trigger", "update_timestamp_users"): trigger + "SELECT 1; END"}
    assert [str(d) for d in compare(database, history)] == [
        "trigger update_timestamp_users definition differs from the history's (changed by hand?)"
    ]
