"""``rowstamp test --url`` runs only on a database it may destroy: never the
environment's own database, and one that holds anything only with --destroy-data.
A refusal is one line and leaves the database exactly as it was."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL

from tests.helpers import catalog
from tests.project import Project, Result, scenario_project


def _render(url: URL) -> str:
    return url.render_as_string(hide_password=False)


def _execute(url: URL, *statements: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))
    engine.dispose()


def _snapshot(url: URL) -> tuple[set[tuple[str, str]], list[tuple[object, ...]]]:
    """The catalog, and the users rows when there is a users table."""
    engine = create_engine(url)
    objects = catalog(engine)
    rows: list[tuple[object, ...]] = []
    with engine.connect() as connection:
        if inspect(connection).has_table("users"):
            rows = [tuple(r) for r in connection.execute(text("SELECT id, email FROM users"))]
    engine.dispose()
    return objects, rows


def _populated(tmp_path: Path, url: URL) -> Project:
    """A project whose database is at head with two users: what F1 destroyed."""
    project = scenario_project(tmp_path)
    project.alembic("upgrade", "head", DATABASE_URL=_render(url))
    _execute(
        url,
        "INSERT INTO users (email) VALUES ('ada@example.com')",
        "INSERT INTO users (email) VALUES ('bob@example.com')",
    )
    return project


def _refused(result: Result) -> str:
    assert result.returncode == 1, result.output
    assert "Traceback" not in result.output and result.stdout == ""
    assert result.stderr.count("\n") == 1, result.stderr
    return result.stderr


def test_a_populated_database_is_refused_and_left_intact(tmp_path: Path, db_url: URL) -> None:
    project = _populated(tmp_path, db_url)
    before = _snapshot(db_url)
    assert len(before[1]) == 2
    line = _refused(project.run("rowstamp", "test", "--url", _render(db_url), check=False))
    assert "is not empty (table users, alembic_version rows)" in line
    assert "add --destroy-data if its contents may be lost" in line
    assert _snapshot(db_url) == before


@pytest.mark.parametrize(
    "statement, held",
    [
        ("CREATE VIEW answer AS SELECT 42 AS x", "view answer"),
        ("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)", None),
    ],
)
def test_a_view_or_a_version_row_is_enough_to_refuse(
    tmp_path: Path, db_url: URL, statement: str, held: str | None
) -> None:
    project = scenario_project(tmp_path)
    _execute(db_url, statement)
    if held is None:
        _execute(db_url, "INSERT INTO alembic_version VALUES ('f0654512c599')")
        held = "alembic_version rows"
    before = _snapshot(db_url)
    line = _refused(project.run("rowstamp", "test", "--url", _render(db_url), check=False))
    assert f"is not empty ({held})" in line
    assert _snapshot(db_url) == before


@pytest.mark.parametrize("engine_name", ["postgresql"], indirect=True)
def test_a_materialized_view_is_enough_to_refuse(tmp_path: Path, db_url: URL) -> None:
    project = scenario_project(tmp_path)
    _execute(db_url, "CREATE MATERIALIZED VIEW answer AS SELECT 42 AS x")
    before = _snapshot(db_url)
    line = _refused(project.run("rowstamp", "test", "--url", _render(db_url), check=False))
    assert "is not empty (view answer)" in line
    assert _snapshot(db_url) == before


def test_destroy_data_lets_the_checks_run_on_a_populated_database(
    tmp_path: Path, db_url: URL, engine_name: str
) -> None:
    project = _populated(tmp_path, db_url)
    url = _render(db_url)
    result = project.run("rowstamp", "test", "--url", url, "--destroy-data")
    assert f"{engine_name}: passed" in result.stdout
    # what a finished run leaves (an empty alembic_version) may be tested again
    result = project.run("rowstamp", "test", "--url", url)
    assert f"{engine_name}: passed" in result.stdout


def _same_database(tmp_path: Path, url: URL) -> URL:
    """Another spelling of ``url``: through a symlink (SQLite), or localhost for 127.0.0.1."""
    if url.get_backend_name() == "sqlite":
        (tmp_path / "link").symlink_to(Path(str(url.database)).parent)
        return url.set(database=str(tmp_path / "link" / Path(str(url.database)).name))
    assert url.host == "127.0.0.1"
    return url.set(host="localhost", username="someone", password="else")


def test_the_environments_own_database_is_refused_even_with_destroy_data(
    tmp_path: Path, db_url: URL
) -> None:
    project = scenario_project(tmp_path)
    (project.root / "app" / "envs" / "development.env").write_text(
        f"DATABASE_URL={_render(db_url)}\n", encoding="utf-8"
    )
    given = _render(_same_database(tmp_path, db_url))
    before = _snapshot(db_url)
    line = _refused(project.run("rowstamp", "test", "--url", given, "--destroy-data", check=False))
    assert "is the database of the development environment's DATABASE_URL" in line
    # without loadable settings, a DATABASE_URL in the process environment still counts
    result = project.run(
        "rowstamp",
        "--env",
        "nosuch",
        "test",
        "--url",
        given,
        "--destroy-data",
        check=False,
        DATABASE_URL=_render(db_url),
    )
    assert "is the database of DATABASE_URL" in _refused(result)
    assert _snapshot(db_url) == before


@pytest.mark.sqlite
def test_a_sqlite_file_uri_of_the_environments_database_is_refused(tmp_path: Path) -> None:
    project = scenario_project(tmp_path)  # development: sqlite:///dev.sqlite3 in the project
    given = f"sqlite:///file:{project.root / 'dev.sqlite3'}?mode=rw&uri=true"
    line = _refused(project.run("rowstamp", "test", "--url", given, "--destroy-data", check=False))
    assert "is the database of the development environment's DATABASE_URL" in line


def test_destroy_data_needs_url(tmp_path: Path) -> None:
    result = scenario_project(tmp_path).run("rowstamp", "test", "--destroy-data", check=False)
    assert "--destroy-data applies only to --url" in _refused(result)


@pytest.mark.sqlite
def test_the_pytest_plugin_keeps_the_rule(tmp_path: Path) -> None:
    url = URL.create("sqlite", database=str(tmp_path / "populated.sqlite3"))
    project = _populated(tmp_path, url)
    before = _snapshot(url)
    (project.root / "conftest.py").write_text(
        "import pytest\nfrom sqlalchemy.engine import make_url\n\n\n@pytest.fixture\n"
        f"def rowstamp_scratch_url():\n    return make_url({_render(url)!r})\n",
        encoding="utf-8",
    )
    (project.root / "test_migrations.py").write_text(
        "from rowstamp.testing.tests import test_rowstamp_stairway  # noqa: F401\n",
        encoding="utf-8",
    )
    result = project.run(
        "pytest", "-q", "-p", "no:cacheprovider", "test_migrations.py", check=False
    )
    assert result.returncode == 1, result.output
    assert "is not empty (table users, alembic_version rows)" in result.stdout
    assert _snapshot(url) == before


def test_a_baseline_schema_is_refused_with_url_and_the_database_left_empty(
    tmp_path: Path, db_url: URL
) -> None:
    project = scenario_project(tmp_path)
    ini = project.root / "alembic.ini"
    ini.write_text(
        ini.read_text(encoding="utf-8").replace(
            "[rowstamp]\n", "[rowstamp]\nbaseline = f0654512c599\ntest_baseline_schema = models\n"
        ),
        encoding="utf-8",
    )
    before = _snapshot(db_url)
    line = _refused(project.run("rowstamp", "test", "--url", _render(db_url), check=False))
    assert "--url cannot start from alembic.ini [rowstamp] test_baseline_schema" in line
    assert _snapshot(db_url) == before
