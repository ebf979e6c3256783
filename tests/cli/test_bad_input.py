"""Bad input through ``rowstamp`` and plain ``alembic`` (issue #13: B1, B2, B4, S1, S2).

Each case breaks a throw-away copy of the project the way a user would (a broken
migration or model file, a bad ``DATABASE_URL``), runs the real commands, and
asserts what the house rules promise: the exit code, one line on stderr saying
what is wrong and what to do, no traceback, no password (plain or URL-encoded),
and nothing changed, neither a project file nor the database.

Plain ``alembic`` logs to stderr through alembic.ini's logging: its ``INFO`` lines
are progress, not the error, so they are not counted; the error is its one
``ERROR [alembic.util.messaging]`` line (Alembic prints it again as ``FAILED:`` on
stdout). Cases run on SQLite, except those about secrets in a URL the server reads.

Each subprocess costs about a second, so each case runs the commands that take
different paths: ``rowstamp history`` or ``current`` (rowstamp reads the files
itself), ``rowstamp upgrade`` (through env.py, then rowstamp's CLI) and plain
``alembic`` (through env.py only). A case whose other path is the same code, or
was already one line before #13, runs one command.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import URL

from rowstamp.testing.servers import TEST_PASSWORD, Server
from tests.helpers import catalog
from tests.project import REPO, Project, Result

USERS = "f0654512c599"  # the repository's own first migration, applied in the seed
RAW_PASSWORD = "Pa@ss:w/rd%41#Sekr3t"
POST = (
    "class Post(Base):\n"
    "    __tablename__ = 'posts'\n"
    "    id: Mapped[int] = mapped_column(primary_key=True)\n"
)

ROWSTAMP_UPGRADE = ("rowstamp", "upgrade")
ROWSTAMP_HISTORY = ("rowstamp", "history")
ALEMBIC_UPGRADE = ("alembic", "upgrade", "head")


@dataclass(frozen=True)
class Case:
    """How to break the project, which commands must fail, and what their line says."""

    breaks: Callable[[Project], None]
    needle: str
    commands: tuple[tuple[str, ...], ...] = (ROWSTAMP_UPGRADE, ALEMBIC_UPGRADE)
    env: dict[str, str] = field(default_factory=dict)
    secrets: tuple[str, ...] = ()


def _migration(project: Project, body: str, name: str = "bad") -> None:
    (project.root / "alembic" / "versions" / f"{name}.py").write_text(
        f'"""Add things"""\n{body}\n\n\ndef upgrade() -> None:\n    pass\n\n\n'
        "def downgrade() -> None:\n    pass\n",
        encoding="utf-8",
    )


def _model(source: str) -> Callable[[Project], None]:
    header = (
        "from sqlalchemy.orm import Mapped, mapped_column\n\nfrom app.db.base import Base\n\n\n"
    )
    return lambda project: project.add_model("post", header + source)


def _env_raises(project: Project) -> None:
    env = project.root / "alembic" / "env.py"
    text = env.read_text(encoding="utf-8")
    marker = "    run = RunOptions.from_alembic(context, get_settings)\n"
    env.write_text(text.replace(marker, marker + '    raise RuntimeError("env.py is broken")\n'))


def _point_first_at(down: str) -> Callable[[Project], None]:
    """Make the users migration revise ``down`` (a cycle when ``down`` revises it)."""

    def breaks(project: Project) -> None:
        first = next((project.root / "alembic" / "versions").glob(f"{USERS}_*.py"))
        old = "down_revision: str | Sequence[str] | None = None"
        first.write_text(first.read_text(encoding="utf-8").replace(old, f"{old[:-4]}{down!r}"))

    return breaks


def _cycle(project: Project) -> None:
    _point_first_at("aaaa00000001")(project)
    _migration(project, f"revision = 'aaaa00000001'\ndown_revision = {USERS!r}")


def _unknown_revision_in_database(project: Project) -> None:
    with sqlite3.connect(_sqlite_path(project)) as db:
        db.execute("UPDATE alembic_version SET version_num = 'deadbeef1234'")


CASES: dict[str, Case] = {
    "no-down-revision": Case(
        lambda p: _migration(p, "revision = 'aaaa00000001'"),
        "alembic/versions/bad.py has no down_revision",
        (ROWSTAMP_HISTORY, ALEMBIC_UPGRADE),
    ),
    "unknown-down-revision": Case(
        lambda p: _migration(p, "revision = 'aaaa00000001'\ndown_revision = 'deadbeef0000'"),
        "has down_revision 'deadbeef0000', which no migration file defines",
    ),
    "migration-import-error": Case(
        lambda p: _migration(p, "import no_such_module\n\nrevision = 'a1'\ndown_revision = None"),
        "alembic/versions/bad.py:2: ModuleNotFoundError: No module named 'no_such_module'",
        (ROWSTAMP_HISTORY, ALEMBIC_UPGRADE),
    ),
    "migration-raises-at-import": Case(
        lambda p: _migration(p, "revision = 'a1'\ndown_revision = None\nraise ValueError('bad')"),
        "alembic/versions/bad.py:4: ValueError: bad",
        (ROWSTAMP_UPGRADE,),
    ),
    "model-import-error": Case(
        _model("import no_such_module\n"),
        "app/models/post.py:6: ModuleNotFoundError: No module named 'no_such_module'",
    ),
    "model-raises-at-import": Case(
        _model("raise ValueError('bad model')\n"),
        "app/models/post.py:6: ValueError: bad model",
        (ALEMBIC_UPGRADE,),
    ),
    "model-without-primary-key": Case(
        _model(
            POST.replace(
                "id: Mapped[int] = mapped_column(primary_key=True)",
                "title: Mapped[str] = mapped_column()",
            )
        ),
        "model Post (app/models/post.py:6) is invalid: Mapper",
    ),
    "two-models-one-table": Case(
        _model(POST + "\n\n" + POST.replace("class Post", "class Note")),
        "model Note (app/models/post.py:11) is invalid: Table 'posts' is already defined "
        "for this MetaData instance; fix the model",
        (ROWSTAMP_UPGRADE, ("rowstamp", "check")),
    ),
    "env-py-raises": Case(_env_raises, "RuntimeError: env.py is broken"),
    "revision-cycle": Case(_cycle, "Cycle is detected in revisions", (ROWSTAMP_HISTORY,)),
    "revision-self-loop": Case(
        lambda p: _migration(p, "revision = 'aaaa00000001'\ndown_revision = 'aaaa00000001'"),
        "Self-loop is detected in revisions (aaaa00000001)",
        (ROWSTAMP_HISTORY,),
    ),
    "duplicate-revision-id": Case(
        lambda p: _migration(p, f"revision = {USERS!r}\ndown_revision = None"),
        f"two migration files have the revision id {USERS}",
        (ROWSTAMP_HISTORY, ALEMBIC_UPGRADE),
    ),
    "unknown-revision-in-database": Case(
        _unknown_revision_in_database,
        "the database is at revision deadbeef1234, which no migration file defines",
        (("rowstamp", "current"),),
    ),
    "unknown-driver": Case(
        lambda p: None,
        "unknown database driver 'postgresql+nosuch'; use postgresql+psycopg://",
        env={"DATABASE_URL": "postgresql+nosuch://app:hunter2x@127.0.0.1/app"},
        secrets=("hunter2x",),
    ),
    "driver-not-installed": Case(  # a driver SQLAlchemy knows, whose package is absent
        lambda p: None,
        "the database driver psycopg2 of postgresql+psycopg2://app:***@127.0.0.1:1/app "
        "is not installed",
        env={"DATABASE_URL": "postgresql+psycopg2://app:hunter2x@127.0.0.1:1/app"},
        secrets=("hunter2x",),
    ),
    "unknown-url-option": Case(  # PyMySQL raises TypeError before it connects anywhere
        lambda p: None,
        "cannot connect to mysql+pymysql://app:***@127.0.0.1:1/app?bogus=1: ",
        (ROWSTAMP_UPGRADE,),
        env={"DATABASE_URL": "mysql+pymysql://app:hunter2x@127.0.0.1:1/app?bogus=1"},
        secrets=("hunter2x",),
    ),
    "unencoded-password": Case(
        lambda p: None,
        "URL-encode the password",
        (ALEMBIC_UPGRADE,),
        env={"DATABASE_URL": f"postgresql://app:{RAW_PASSWORD}@127.0.0.1:1/app"},
        secrets=(RAW_PASSWORD, quote(RAW_PASSWORD, safe=""), "Sekr3t", "Pa@ss"),
    ),
    "unencoded-at-in-password": Case(
        lambda p: None,
        "URL-encode the password",
        (ROWSTAMP_UPGRADE,),
        env={"DATABASE_URL": "postgresql://app:hunter2x@Sekr3tTail@127.0.0.1:1/app"},
        secrets=("hunter2x", "Sekr3tTail"),
    ),
}


@pytest.fixture(scope="session")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The template project with its users migration applied to a SQLite database,
    made once per test process and copied for each case."""
    root = tmp_path_factory.mktemp("bad-input-seed")
    project = Project.copy(root / "project", URL.create("sqlite", database=str(root / "db")))
    for migration in (REPO / "alembic" / "versions").glob("*.py"):
        shutil.copy2(migration, project.root / "alembic" / "versions")
    project.alembic("upgrade", "head")
    return root


def _sqlite_path(project: Project) -> Path:
    return project.root.parent / "db"


def _from_seed(seed: Path, target: Path) -> Project:
    shutil.copytree(seed, target, symlinks=True)
    return Project(target / "project", URL.create("sqlite", database=str(target / "db")))


def _files(project: Project) -> dict[str, str]:
    """Every project file and the SQLite database, by content hash."""
    paths = [_sqlite_path(project)]
    for folder, dirs, files in os.walk(project.root):  # not into the .venv symlink
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        paths.extend(Path(folder, name) for name in files if name != ".venv")
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in paths if p.is_file()}


def _assert_one_line(result: Result, command: tuple[str, ...], needle: str) -> None:
    assert result.returncode == (1 if command[0] == "rowstamp" else 255), result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if not line.startswith("INFO ")]
    assert len(lines) == 1, result.stderr
    assert needle in lines[0]
    if "shows the traceback" in lines[0]:  # a project-file error's hint, and no other after it
        assert lines[0].endswith("shows the traceback)"), lines[0]
    if command[0] == "alembic":
        assert lines[0].startswith("ERROR [alembic.util.messaging] ")


def _assert_no_secret(result: Result, secrets: tuple[str, ...]) -> None:
    for secret in secrets:
        assert secret not in result.output
        assert quote(secret, safe="") not in result.output


@pytest.mark.sqlite
@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_is_one_line_and_changes_nothing(seed: Path, tmp_path: Path, name: str) -> None:
    case = CASES[name]
    project = _from_seed(seed, tmp_path / "copy")
    case.breaks(project)
    before = _files(project)
    for command in case.commands:
        result = project.run(*command, check=False, **case.env)
        _assert_one_line(result, command, case.needle)
        _assert_no_secret(result, case.secrets)
    assert _files(project) == before


@pytest.fixture
def pg_url(pg_server: Server) -> Iterator[URL]:
    url = pg_server.create_database()
    try:
        yield url
    finally:
        pg_server.drop_database(url)


def _query_password(url: URL, **query: str) -> str:
    """``url`` with its password given as ``?password=`` instead of in the userinfo."""
    password = url.password
    assert isinstance(password, str)
    moved = url.set(password=None).update_query_dict({"password": password, **query})
    return moved.render_as_string(hide_password=False)


@pytest.mark.postgresql
def test_password_in_the_query_is_never_printed(tmp_path: Path, pg_url: URL) -> None:
    project = Project.copy(tmp_path / "project", None)
    database_url = _query_password(pg_url)
    result = project.run("rowstamp", "status", DATABASE_URL=database_url)
    assert "Database:    postgresql+psycopg://" in result.stdout
    assert "password=***" in result.stdout
    missing = _query_password(pg_url.set(database="no_such_database"))
    for command in (("rowstamp", "status"), ALEMBIC_UPGRADE):
        failed = project.run(*command, check=False, DATABASE_URL=missing)
        _assert_one_line(failed, command, "password=***")
    _assert_no_secret(failed, (TEST_PASSWORD,))  # project.run checks every run's output too


@pytest.mark.postgresql
def test_unknown_url_option_is_a_connection_error(tmp_path: Path, pg_url: URL) -> None:
    project = Project.copy(tmp_path / "project", None)
    engine = create_engine(pg_url)
    try:
        before = catalog(engine)
        bogus = pg_url.update_query_dict({"bogus": "1"}).render_as_string(hide_password=False)
        for command in (ROWSTAMP_UPGRADE, ALEMBIC_UPGRADE):
            result = project.run(*command, check=False, DATABASE_URL=bogus)
            _assert_one_line(result, command, "cannot connect to postgresql+psycopg://")
            assert "refused a statement" not in result.output
        assert catalog(engine) == before
    finally:
        engine.dispose()
