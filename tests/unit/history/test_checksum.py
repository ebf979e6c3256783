"""Checksums of what a migration does: formatting, comments and line endings do not
change them; an argument, SQL text or link does; the prefix picks the algorithm."""

from __future__ import annotations

from pathlib import Path

import pytest

from rowstamp.history.checksum import ALGORITHMS, ChecksumError, checksum, verify

REVISION = '''"""add nickname

Revision ID: a1b2c3d4e5f6
Revises: 0f0f0f0f0f0f
"""

import sqlalchemy as sa
from alembic import op

revision = "a1b2c3d4e5f6"
down_revision = "0f0f0f0f0f0f"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("nickname", sa.String(length=50), nullable=True))
    op.execute("UPDATE users SET nickname = name")


def downgrade() -> None:
    op.drop_column("users", "nickname")
'''

REFORMATTED = '''"""add a nickname, said differently

Revision ID: a1b2c3d4e5f6
"""
from alembic import op
import sqlalchemy as sa
revision = 'a1b2c3d4e5f6'
down_revision = '0f0f0f0f0f0f'
branch_labels = None
depends_on = None
def upgrade() -> None:
    """Users asked for nicknames."""
    # the column first, then fill it
    op.add_column('users',
                  sa.Column('nickname', sa.String(length=50),
                            nullable=True))
    op.execute('UPDATE users SET nickname = name')  # every row
def downgrade() -> None:
    op.drop_column(
        'users', 'nickname'
    )
'''


def _write(tmp_path: Path, text: str, name: str = "a1b2c3d4e5f6_add_nickname.py") -> Path:
    folder = tmp_path / str(len(list(tmp_path.iterdir())))
    folder.mkdir()
    path = folder / name
    path.write_bytes(text.encode())
    return path


def test_checksum_names_its_algorithm(tmp_path: Path) -> None:
    value = checksum(_write(tmp_path, REVISION))
    prefix, _, digest = value.partition(":")
    assert prefix == "v1" and len(digest) == 64


def test_formatting_comments_and_docstrings_do_not_change_it(tmp_path: Path) -> None:
    assert checksum(_write(tmp_path, REFORMATTED)) == checksum(_write(tmp_path, REVISION))


def test_crlf_line_endings_do_not_change_it(tmp_path: Path) -> None:
    crlf = REVISION.replace("\n", "\r\n")
    assert checksum(_write(tmp_path, crlf)) == checksum(_write(tmp_path, REVISION))


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("sa.String(length=50)", "sa.String(length=60)"),
        ("nullable=True", "nullable=False"),
        ("SET nickname = name", "SET nickname = email"),
        ('down_revision = "0f0f0f0f0f0f"', 'down_revision = "0e0e0e0e0e0e"'),
        ("depends_on = None", 'depends_on = "9f9f9f9f9f9f"'),
        ('op.drop_column("users", "nickname")', 'op.drop_column("users", "name")'),
    ],
)
def test_a_change_to_what_runs_changes_it(tmp_path: Path, old: str, new: str) -> None:
    assert old in REVISION
    edited = REVISION.replace(old, new)
    assert checksum(_write(tmp_path, edited)) != checksum(_write(tmp_path, REVISION))


def test_sql_expressions_are_compiled_per_engine(tmp_path: Path) -> None:
    built = REVISION.replace(
        'op.execute("UPDATE users SET nickname = name")',
        'op.execute(sa.text("UPDATE users SET nickname = :v").bindparams(v="x"))',
    )
    changed = built.replace('v="x"', 'v="y"')
    assert checksum(_write(tmp_path, built)) != checksum(_write(tmp_path, changed))


NEEDS_DATABASE = REVISION.replace(
    '    op.execute("UPDATE users SET nickname = name")\n',
    '    if op.get_bind().dialect.name == "sqlite":  # SQLite only\n'
    '        op.execute("UPDATE users SET nickname = name")\n',
)


def test_a_file_that_needs_a_database_is_hashed_from_its_syntax_tree(tmp_path: Path) -> None:
    """Its operations cannot be read offline: the source without docstrings,
    comments or formatting is hashed instead, and still sees a changed argument."""
    first = checksum(_write(tmp_path, NEEDS_DATABASE))
    commented = NEEDS_DATABASE.replace("# SQLite only", "# only there").replace(
        '"""add nickname', '"""add a nickname'
    )
    assert checksum(_write(tmp_path, commented.replace("\n", "\r\n"))) == first
    edited = NEEDS_DATABASE.replace("SET nickname = name", "SET nickname = email")
    assert checksum(_write(tmp_path, edited)) != first


def test_a_file_that_does_not_import_is_hashed_from_its_syntax_tree(tmp_path: Path) -> None:
    broken = "import not_installed_anywhere\n" + REVISION
    first = checksum(_write(tmp_path, broken))
    assert checksum(_write(tmp_path, broken + "# trailing\n")) == first
    assert checksum(_write(tmp_path, broken.replace("length=50", "length=5"))) != first


def test_verify_picks_the_algorithm_from_the_prefix(tmp_path: Path) -> None:
    path = _write(tmp_path, REVISION)
    stored = checksum(path)
    assert verify(stored, path)
    assert not verify(stored, _write(tmp_path, REVISION.replace("length=50", "length=51")))
    assert set(ALGORITHMS) >= {"v1"}


def test_an_unknown_prefix_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ChecksumError) as raised:
        verify("v9:abc", _write(tmp_path, REVISION))
    assert str(raised.value) == (
        "unknown checksum algorithm 'v9'; upgrade rowstamp (this version knows: v1)"
    )


def test_a_file_that_is_not_python_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ChecksumError, match=r"^a1b2c3d4e5f6_add_nickname.py is not valid Python"):
        checksum(_write(tmp_path, "def upgrade(:\n"))


@pytest.mark.parametrize(
    ("call", "old", "new"),
    [
        ('op.alter_column("users", "name", type_=sa.String(10))', "(10)", "(20)"),
        ('op.alter_column("users", "name", type_=sa.TEXT)', "TEXT", "VARCHAR"),  # optuna's
        ('op.create_primary_key("pk_users", "users", ["id"])', '["id"]', '["id", "name"]'),
    ],
)
def test_every_argument_counts_for_ops_alembic_renders_specially(
    tmp_path: Path, call: str, old: str, new: str
) -> None:
    """``alter_column``'s type goes through Alembic's type renderer, and
    ``create_primary_key`` has no renderer at all: both still spell every argument."""
    source = REVISION.replace('op.execute("UPDATE users SET nickname = name")', call)
    edited = source.replace(old, new)
    assert edited != source
    assert checksum(_write(tmp_path, edited)) != checksum(_write(tmp_path, source))


def test_operations_built_in_a_loop_are_the_operations_written_out(tmp_path: Path) -> None:
    written = REVISION.replace(
        '    op.drop_column("users", "nickname")\n',
        '    op.drop_column("users", "nickname")\n    op.drop_column("users", "notes")\n',
    )
    looped = REVISION.replace(
        '    op.drop_column("users", "nickname")\n',
        '    for name in ("nickname", "notes"):\n        op.drop_column("users", name)\n',
    )
    assert checksum(_write(tmp_path, looped)) == checksum(_write(tmp_path, written))


def test_v1_of_the_guides_own_first_migration_never_changes() -> None:
    """A stored v1 checksum must verify forever. v1 spells operations the way Alembic's
    renderer writes them, so an Alembic or SQLAlchemy upgrade that changes that spelling
    would make every applied revision look edited: this literal catches it. If it fails,
    keep v1's output the same (pin what moved) or add v2; never change the literal."""
    migration = Path(__file__).parents[3] / "alembic/versions/f0654512c599_create_users_table.py"
    stored = "v1:7a64884b90373eb30c7d369dfec599662d50efdf6d5ee56c5c184ac2bd7ca493"
    assert checksum(migration) == stored
    assert verify(stored, migration)


def test_a_server_default_of_rowstamps_utc_now_in_alter_column_is_read(tmp_path: Path) -> None:
    """Alembic renders an ``alter_column`` server default with SQLAlchemy's string
    compiler, which knows no engine: the retrofit's NOT NULL step has one."""
    altered = REVISION.replace(
        '    op.execute("UPDATE users SET nickname = name")',
        '    op.alter_column("users", "created_at", existing_type=sa.DateTime(timezone=True),\n'
        "                    server_default=utc_now(version=1), nullable=False)",
    ).replace(
        "from alembic import op", "from alembic import op\n\nfrom rowstamp.sql import utc_now"
    )
    first = checksum(_write(tmp_path, altered))
    assert first.startswith("v1:")
    later = altered.replace("nullable=False)", "nullable=True)")
    assert checksum(_write(tmp_path, later)) != first


def test_sql_one_engine_cannot_compile_is_still_read(tmp_path: Path) -> None:
    """A construct only PostgreSQL compiles (rowstamp's own function DDL is one): the
    other engines' text says so, and what PostgreSQL runs still counts."""
    pg_only = REVISION.replace(
        "from alembic import op",
        "from alembic import op\n"
        "from sqlalchemy.ext.compiler import compiles\n"
        "from sqlalchemy.sql.expression import Executable, ClauseElement\n\n\n"
        "class Vacuum(Executable, ClauseElement):\n"
        "    inherit_cache = True\n\n\n"
        "@compiles(Vacuum, 'postgresql')\n"
        "def _vacuum(element, compiler, **kw):\n"
        "    return 'VACUUM users'\n",
    ).replace('op.execute("UPDATE users SET nickname = name")', "op.execute(Vacuum())")
    first = checksum(_write(tmp_path, pg_only))
    assert first.startswith("v1:")
    assert checksum(_write(tmp_path, pg_only.replace("VACUUM users", "VACUUM FULL users"))) != first
