"""``op.rename_column_safely`` on every engine: the expand step adds the new column,
kept equal to the old one by a dual-write trigger and filled in batches; between the
phases the old code (writing ``name``) and the new code (writing ``full_name``) both
see their writes in the other column; the contract step drops the old column and the
trigger; each downgrade undoes its step. Plain ``alembic``, ``-x phase=expand`` and
``--sql``; the lint wants the contract step in a contract revision.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import IntegrityError

from rowstamp.review.lint import squawk_path
from tests.helpers import catalog, write_revision
from tests.project import Project

ROWS = 20
CALL = (
    "('people', 'name', 'full_name', type_=sa.String(40), step={step!r}, version=1, batch_size=7)"
)
PEOPLE = (
    "    op.create_table('people', sa.Column('id', sa.Integer, primary_key=True,"
    " autoincrement=False),\n"
    "                    sa.Column('name', sa.String(40)), sa.Column('n', sa.Integer))\n"
    f"    op.execute('INSERT INTO people (id, name, n) VALUES ' + ', '.join(\n"
    f"        f\"({{i}}, 'p{{i}}', 0)\" for i in range(1, {ROWS + 1})))"
)


def _history(project: Project) -> None:
    write_revision(project, "r1", None, PEOPLE, "    op.drop_table('people')")
    write_revision(
        project,
        "r2",
        "r1",
        "    op.rename_column_safely" + CALL.format(step="expand"),
        "    op.undo_rename_column_safely" + CALL.format(step="expand"),
    )
    write_revision(
        project,
        "r3",
        "r2",
        "    op.rename_column_safely" + CALL.format(step="contract"),
        "    op.undo_rename_column_safely" + CALL.format(step="contract"),
    )
    contract = project.root / "alembic" / "versions" / "r3_r3.py"
    source = contract.read_text(encoding="utf-8")
    contract.write_text(
        source.replace("depends_on = None\n", 'depends_on = None\nphase = "contract"\n')
    )


def _rows(engine: Engine, *columns: str) -> dict[int, tuple[object, ...]]:
    with engine.connect() as conn:
        result = conn.execute(text(f"SELECT id, {', '.join(columns)} FROM people ORDER BY id"))
        return {row[0]: tuple(row[1:]) for row in result}


def _write(engine: Engine, *statements: str) -> None:
    for statement in statements:  # one transaction each, as separate requests would be
        with engine.begin() as conn:
            conn.execute(text(statement))


def _columns(engine: Engine) -> set[str]:
    return {c["name"] for c in inspect(engine).get_columns("people")}


def _dual_write_objects(engine: Engine) -> set[tuple[str, str]]:
    return {o for o in catalog(engine) if "rowstamp_rename" in o[1]}


@pytest.fixture
def engine(db_url: URL) -> Engine:
    engine = create_engine(db_url)
    yield engine  # type: ignore[misc]
    engine.dispose()


def test_rename_round_trip_with_writes_through_both_names(
    db_url: URL, tmp_path: Path, engine: Engine
) -> None:
    project = Project.copy(tmp_path / "project", db_url)
    _history(project)

    # before the deploy: plain alembic applies the expand phase only
    result = project.alembic("-x", "phase=expand", "upgrade", "head")
    assert "backfill people: done, 20 rows walked, 20 updated in 3 batches" in result.output
    assert "left for after the deploy: 1 revision(s), from r3" in result.output
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "r2"
    assert _columns(engine) == {"id", "name", "full_name", "n"}
    assert all(name == full for name, full in _rows(engine, "name", "full_name").values())
    assert _dual_write_objects(engine)

    # old and new code side by side: each one's writes reach the other column
    _write(
        engine,
        "INSERT INTO people (id, name) VALUES (101, 'old insert')",
        "INSERT INTO people (id, full_name) VALUES (102, 'new insert')",
        "UPDATE people SET name = 'old update' WHERE id = 1",
        "UPDATE people SET full_name = 'new update' WHERE id = 2",
        "UPDATE people SET n = 5 WHERE id = 3",
        "UPDATE people SET name = NULL WHERE id = 4",
        "UPDATE people SET full_name = NULL WHERE id = 5",
        "UPDATE people SET name = 'old again' WHERE id = 102",
        "UPDATE people SET full_name = 'new again' WHERE id = 101",
    )
    rows = _rows(engine, "name", "full_name")
    assert rows[101] == ("new again", "new again")
    assert rows[102] == ("old again", "old again")
    assert rows[1] == ("old update", "old update")
    assert rows[2] == ("new update", "new update")
    assert rows[3] == ("p3", "p3")
    assert rows[4] == (None, None) and rows[5] == (None, None)

    # after the deploy: the contract step drops the old column and the trigger
    project.alembic("upgrade", "head")
    assert _columns(engine) == {"id", "full_name", "n"}
    assert not _dual_write_objects(engine)
    _write(engine, "INSERT INTO people (id, full_name) VALUES (103, 'after')")
    assert _rows(engine, "full_name")[2] == ("new update",)

    # the contract's downgrade: the old column back, filled, and kept in sync again
    project.alembic("downgrade", "r2")
    assert _columns(engine) == {"id", "name", "full_name", "n"}
    rows = _rows(engine, "name", "full_name")
    assert rows[103] == ("after", "after") and rows[6] == ("p6", "p6")
    _write(engine, "UPDATE people SET name = 'back' WHERE id = 6")
    assert _rows(engine, "full_name")[6] == ("back",)

    # the expand's downgrade: as before the rename
    project.alembic("downgrade", "r1")
    assert _columns(engine) == {"id", "name", "n"}
    assert not _dual_write_objects(engine)
    assert _rows(engine, "name")[6] == ("back",)
    _write(engine, "UPDATE people SET name = 'plain' WHERE id = 6")


def test_offline_sql_writes_the_trigger_and_one_update(db_url: URL, tmp_path: Path) -> None:
    project = Project.copy(tmp_path / "project", db_url)
    _history(project)
    result = project.alembic("upgrade", "head", "--sql")
    out = result.stdout
    assert "rowstamp_rename_people_name_full_name" in out
    assert "written as ONE update for --sql" in out
    assert "DROP COLUMN name" in out.replace('"', "").replace("`", "")
    expand = project.alembic("-x", "phase=expand", "upgrade", "head", "--sql").stdout
    assert "Running upgrade r1 -> r2" in expand and "r2 -> r3" not in expand


def test_expand_phase_option_of_plain_alembic_refuses_a_revision(
    db_url: URL, tmp_path: Path
) -> None:
    project = Project.copy(tmp_path / "project", db_url)
    _history(project)
    result = project.alembic("-x", "phase=expand", "upgrade", "r3", check=False)
    assert result.returncode != 0 and "Traceback" not in result.output
    assert "-x phase=expand chooses its own target" in result.output
    result = project.alembic("-x", "phase=contract", "upgrade", "head", check=False)
    assert result.returncode != 0 and "Traceback" not in result.output
    assert "-x phase=contract" in result.output


def test_lint_wants_the_contract_step_in_a_contract_revision(db_url: URL, tmp_path: Path) -> None:
    assert squawk_path() is not None, "squawk (dev group) must run here"
    project = Project.copy(tmp_path / "project", db_url)
    _history(project)
    versions = project.root / "alembic" / "versions"

    def findings(path: Path) -> list[str]:
        result = project.run("rowstamp", "lint", "--format", "json", str(path), check=False)
        [migration] = json.loads(result.stdout)["migrations"]
        return [
            f"{f['rule']}: {f['message']}"
            for f in migration["findings"]
            if not f.get("acknowledged")
        ]

    # the expand step only adds: rowstamp's rules and squawk pass it as it is
    assert findings(versions / "r2_r2.py") == []
    # the contract step drops the old column: acknowledged like any dropped column;
    # squawk's ban-drop-column is the same finding, and the trigger's function is
    # rowstamp's own (no ban-drop-function)
    contract = versions / "r3_r3.py"
    drop = (
        "drop-column: drops column name (its values live on in full_name); deploy code that"
        " no longer reads it first"
    )
    assert findings(contract) == [drop]
    source = contract.read_text(encoding="utf-8").replace(
        "    op.rename_column_safely",
        "    # rowstamp: allow drop-column -- v2 reads full_name\n    op.rename_column_safely",
    )
    contract.write_text(source, encoding="utf-8")
    assert findings(contract) == []
    contract.write_text(source.replace('phase = "contract"\n', ""), encoding="utf-8")
    [finding] = findings(contract)
    assert finding.startswith(
        "contract-in-expand: drops column people.name (the contract step of its safe rename"
        " to full_name) in an expand revision"
    )


def test_the_new_code_inserts_without_a_not_null_old_column(
    db_url: URL, tmp_path: Path, engine: Engine, engine_name: str
) -> None:
    project = Project.copy(tmp_path / "project", db_url)
    write_revision(
        project,
        "r1",
        None,
        "    op.create_table('codes', sa.Column('id', sa.Integer, primary_key=True,"
        " autoincrement=False),\n"
        "                    sa.Column('code', sa.String(10), nullable=False))\n"
        "    op.execute(\"INSERT INTO codes (id, code) VALUES (1, 'a')\")",
        "    op.drop_table('codes')",
    )
    write_revision(
        project,
        "r2",
        "r1",
        "    op.rename_column_safely('codes', 'code', 'label', type_=sa.String(10),"
        " step='expand', version=1)",
        "    op.undo_rename_column_safely('codes', 'code', 'label', type_=sa.String(10),"
        " step='expand', version=1)",
    )
    project.alembic("upgrade", "head")
    insert = "INSERT INTO codes (id, label) VALUES (2, 'b')"
    if engine_name == "sqlite":  # NOT NULL is checked before an AFTER trigger runs
        with pytest.raises(IntegrityError):
            _write(engine, insert)
        return
    _write(engine, insert)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, code, label FROM codes ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [(1, "a", "a"), (2, "b", "b")]


def test_an_expand_step_killed_after_its_ddl_runs_again(
    db_url: URL, tmp_path: Path, engine: Engine
) -> None:
    """What a run killed during the backfill leaves (the column there, committed, and
    some rows filled) is finished by the next run instead of failing on the column."""
    project = Project.copy(tmp_path / "project", db_url)
    _history(project)
    project.alembic("upgrade", "r1")
    _write(
        engine,
        "ALTER TABLE people ADD COLUMN full_name VARCHAR(40)",
        "UPDATE people SET full_name = name WHERE id <= 7",
    )
    result = project.alembic("upgrade", "r2")
    assert "backfill people: done, 20 rows walked, 13 updated" in result.output
    assert all(name == full for name, full in _rows(engine, "name", "full_name").values())
    _write(engine, "UPDATE people SET name = 'synced' WHERE id = 1")
    assert _rows(engine, "full_name")[1] == ("synced",)


@pytest.mark.parametrize("trigger_version", [2, 1])
def test_the_fill_leaves_updated_at_alone_under_a_version_2_trigger(
    db_url: URL, tmp_path: Path, engine: Engine, trigger_version: int
) -> None:
    project = Project.copy(tmp_path / "project", db_url)
    write_revision(
        project,
        "r1",
        None,
        "    from rowstamp.sql import utc_now\n"
        "    op.create_table('people', sa.Column('id', sa.Integer, primary_key=True,"
        " autoincrement=False),\n"
        "                    sa.Column('name', sa.String(40)),\n"
        "                    sa.Column('updated_at', utc_now(1).type,"
        " server_default=utc_now(version=1)))\n"
        f"    op.create_updated_at_trigger('people', version={trigger_version})\n"
        "    op.execute(\"INSERT INTO people (id, name) VALUES (1, 'a'), (2, 'b'), (3, 'c')\")",
        "    op.drop_table('people')",
    )
    write_revision(
        project,
        "r2",
        "r1",
        "    op.rename_column_safely" + CALL.format(step="expand"),
        "    op.undo_rename_column_safely" + CALL.format(step="expand"),
    )
    project.alembic("upgrade", "r1")
    time.sleep(1.1)  # MariaDB's clock ticks in seconds here: a bump must show
    before = _rows(engine, "updated_at")
    project.alembic("upgrade", "r2")
    after = _rows(engine, "name", "full_name", "updated_at")
    assert [row[:2] for row in after.values()] == [("a", "a"), ("b", "b"), ("c", "c")]
    moved = {key for key in before if after[key][2] != before[key][0]}
    assert moved == (set() if trigger_version == 2 else set(before))
    _write(engine, "UPDATE people SET name = 'x' WHERE id = 1")  # the old code's write
    assert _rows(engine, "updated_at")[1] != after[1][2]


def test_old_code_writing_during_the_expand_step_ends_in_sync(
    db_url: URL, tmp_path: Path, engine: Engine, engine_name: str
) -> None:
    """The old code keeps writing ``name`` while the expand step adds ``full_name`` and
    fills it: every row ends with both columns equal, whichever write came first."""
    if engine_name == "sqlite":
        pytest.skip("SQLite serializes writers: no write runs during the migration's")
    project = Project.copy(tmp_path / "project", db_url)
    rows = 3000
    write_revision(
        project,
        "r1",
        None,
        PEOPLE.replace(str(ROWS + 1), str(rows + 1)),
        "    op.drop_table('people')",
    )
    write_revision(
        project,
        "r2",
        "r1",
        "    op.rename_column_safely('people', 'name', 'full_name', type_=sa.String(40),"
        " step='expand', version=1, batch_size=50)",
        "    op.undo_rename_column_safely('people', 'name', 'full_name', type_=sa.String(40),"
        " step='expand', version=1, batch_size=50)",
    )
    project.alembic("upgrade", "r1")
    stop, writes, errors = threading.Event(), [0], []

    def old_code() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            try:
                _write(engine, f"UPDATE people SET name = 'w{n}' WHERE id = {n * 7919 % rows + 1}")
                writes[0] += 1
            except Exception as exc:  # a failed write is a finding, not a crash
                errors.append(repr(exc))

    writer = threading.Thread(target=old_code)
    writer.start()
    try:
        project.alembic("upgrade", "r2")
        time.sleep(0.2)  # some writes after the step too
    finally:
        stop.set()
        writer.join(30)
    assert errors == []
    assert writes[0] > 0
    found = _rows(engine, "name", "full_name")
    assert len(found) == rows
    assert [k for k, (name, full) in found.items() if name != full] == []


def test_undoing_the_contract_step_restores_a_not_null_column_with_its_default(
    db_url: URL, tmp_path: Path, engine: Engine
) -> None:
    """``nullable`` and ``server_default`` pin the old column, so the contract's
    downgrade puts back exactly what the contract dropped; without them the column
    comes back nullable, as files written before these arguments meant."""
    project = Project.copy(tmp_path / "project", db_url)
    write_revision(
        project,
        "r1",
        None,
        "    op.create_table('codes', sa.Column('id', sa.Integer, primary_key=True,"
        " autoincrement=False),\n"
        "                    sa.Column('code', sa.String(10), nullable=False,"
        " server_default='x'))\n"
        "    op.execute(\"INSERT INTO codes (id, code) VALUES (1, 'a'), (2, 'b')\")",
        "    op.drop_table('codes')",
    )
    pinned = (
        "('codes', 'code', 'label', type_=sa.String(10), nullable=False,"
        " server_default='x', step={step!r}, version=1)"
    )
    for name, parent, step in (("r2", "r1", "expand"), ("r3", "r2", "contract")):
        write_revision(
            project,
            name,
            parent,
            "    op.rename_column_safely" + pinned.format(step=step),
            "    op.undo_rename_column_safely" + pinned.format(step=step),
        )
    project.alembic("upgrade", "r1")
    before = {c["name"]: c for c in inspect(engine).get_columns("codes")}["code"]
    project.alembic("upgrade", "head")
    _write(engine, "INSERT INTO codes (id, label) VALUES (3, 'c')")
    project.alembic("downgrade", "r2")
    after = {c["name"]: c for c in inspect(engine).get_columns("codes")}["code"]
    assert (after["nullable"], after["default"]) == (before["nullable"], before["default"])
    assert after["nullable"] is False and "x" in str(after["default"])
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, code, label FROM codes ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [(1, "a", "a"), (2, "b", "b"), (3, "c", "c")]
    assert {o for o in catalog(engine) if "rowstamp_rename" in o[1]}  # the trigger is back
    _write(engine, "UPDATE codes SET label = 'd' WHERE id = 3")  # the new code's write
    with engine.connect() as conn:
        assert conn.execute(text("SELECT code FROM codes WHERE id = 3")).scalar() == "d"
    project.alembic("downgrade", "r1")
    back = {c["name"]: c for c in inspect(engine).get_columns("codes")}["code"]
    assert (back["nullable"], back["default"]) == (before["nullable"], before["default"])


def test_undoing_the_contract_step_offline_fills_the_restored_column(
    db_url: URL, tmp_path: Path, engine: Engine, engine_name: str
) -> None:
    """``--sql`` cannot read the table: SQLite's script adds the old column with its
    default and NOT NULL at once, and its one UPDATE still fills every row, the rows
    holding the default included. Elsewhere the script sets NOT NULL after the fill."""
    project = Project.copy(tmp_path / "project", db_url)
    write_revision(
        project,
        "r1",
        None,
        "    from rowstamp.sql import utc_now\n"
        "    op.create_table('codes', sa.Column('id', sa.Integer, primary_key=True,"
        " autoincrement=False),\n"
        "                    sa.Column('code', sa.String(10), nullable=False,"
        " server_default='x'),\n"
        "                    sa.Column('updated_at', utc_now(1).type,"
        " server_default=utc_now(version=1)))\n"
        "    op.create_updated_at_trigger('codes', version=2)\n"
        "    op.execute(\"INSERT INTO codes (id, code) VALUES (1, 'a'), (2, 'b')\")",
        "    op.drop_table('codes')",
    )
    pinned = (
        "('codes', 'code', 'label', type_=sa.String(10), nullable=False,"
        " server_default='x', step={step!r}, version=1)"
    )
    for name, parent, step in (("r2", "r1", "expand"), ("r3", "r2", "contract")):
        write_revision(
            project,
            name,
            parent,
            "    op.rename_column_safely" + pinned.format(step=step),
            "    op.undo_rename_column_safely" + pinned.format(step=step),
        )
    project.alembic("upgrade", "head")
    script = project.alembic("downgrade", "r3:r2", "--sql").stdout
    words = " ".join(script.replace('"', "").replace("`", "").split())
    if engine_name != "sqlite":
        fill = words.index("UPDATE codes SET code=label")
        assert fill < words.index("NOT NULL", fill)
        return
    import sqlite3

    assert db_url.database is not None
    engine.dispose()
    with sqlite3.connect(db_url.database) as conn:
        conn.executescript(script)
    rows = _codes(engine)
    assert rows == [(1, "a", "a"), (2, "b", "b")]
    [code] = [c for c in inspect(engine).get_columns("codes") if c["name"] == "code"]
    assert code["nullable"] is False and "x" in str(code["default"])


def _codes(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [
            tuple(r) for r in conn.execute(text("SELECT id, code, label FROM codes ORDER BY id"))
        ]
