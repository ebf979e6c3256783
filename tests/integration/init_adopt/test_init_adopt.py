"""``rowstamp init --adopt`` in an existing project (issue 15 item 2, report findings 15-16).

The project (``tests/projects/adoptable``) was made the way ``alembic init`` projects
grow: its own package (``tracker``), its own alembic.ini options and two version
locations, an env.py with hooks, and three revisions already applied to its SQLite
database with its own env.py. Adoption must show its changes first, keep all of that,
and leave a project whose history, rowstamp's retrofit revision and triggers then run
on every engine.
"""

from __future__ import annotations

import difflib
import importlib
import re
import shutil
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL

from tests.project import PROJECTS, REPO, Project, Result, rowstamp_test

ADOPTABLE = PROJECTS / "adoptable"
HEAD = "c3d4e5f6a7b8"
"""The project's last revision before adoption: the baseline."""
OWN_FILES = ["alembic.ini", "migrations/env.py", "tracker/models.py"]


def _run(project: Project, *args: str, check: bool = True, **env: str) -> Result:
    """A command in ``project``, in-process as a new process would run it: each copy has
    its own ``tracker`` package, found through alembic.ini's relative ``prepend_sys_path
    = .``, so neither the module nor the import system's finder for ``.`` may be kept."""
    _forget_tracker()
    try:
        return project.run(*args, check=check, **env)
    finally:
        _forget_tracker()


def _forget_tracker() -> None:
    for name in [n for n in sys.modules if n == "tracker" or n.startswith("tracker.")]:
        del sys.modules[name]
    for entry in [e for e in sys.path_importer_cache if not Path(e).is_absolute()]:
        del sys.path_importer_cache[entry]
    importlib.invalidate_caches()


def _copy(target: Path) -> Project:
    shutil.copytree(ADOPTABLE, target, ignore=shutil.ignore_patterns("__pycache__", "*.db"))
    return Project(target, None)


def _sqlite(project: Project) -> str:
    return f"sqlite:///{project.root / 'tracker.db'}"


def _use_metadata_columns(project: Project) -> None:
    """What docs/adopting.md asks next: rowstamp's columns on the project's own base."""
    models = project.root / "tracker" / "models.py"
    source = models.read_text(encoding="utf-8")
    source = source.replace(
        "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n",
        "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n\n"
        "from rowstamp import MetadataColumns\n",
    ).replace("class Base(DeclarativeBase):", "class Base(MetadataColumns, DeclarativeBase):")
    models.write_text(source, encoding="utf-8")


@pytest.fixture(scope="module")
def existing(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The project before adoption: its history applied by its own env.py, with rows."""
    project = _copy(tmp_path_factory.mktemp("existing") / "tracker")
    _run(project, "alembic", "upgrade", "head")
    engine = create_engine(_sqlite(project))
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO projects (id, name) VALUES (1, 'Apollo')"))
        connection.execute(
            text("INSERT INTO tasks (id, project_id, title) VALUES (1, 1, 'Launch')")
        )
    engine.dispose()
    return project


@pytest.fixture(scope="module")
def adopted(existing: Project, tmp_path_factory: pytest.TempPathFactory) -> Project:
    """``existing`` after ``init --adopt --yes`` and the retrofit revision, on SQLite."""
    project = Project(tmp_path_factory.mktemp("adopted") / "tracker", None)
    shutil.copytree(existing.root, project.root)
    _run(project, "rowstamp", "init", "--adopt", "--yes")
    _use_metadata_columns(project)
    _run(project, "rowstamp", "new", "Adopt rowstamp metadata columns")
    return project


@pytest.fixture
def fresh_copy(existing: Project, tmp_path: Path) -> Iterator[Project]:
    project = Project(tmp_path / "tracker", None)
    shutil.copytree(existing.root, project.root)
    yield project


@pytest.mark.sqlite
def test_adopt_shows_the_changes_and_writes_nothing(fresh_copy: Project) -> None:
    before = {p: p.read_bytes() for p in fresh_copy.root.rglob("*") if p.is_file()}
    done = _run(fresh_copy, "rowstamp", "init", "--adopt")
    assert "+[rowstamp]\n+settings = tracker.rowstamp_settings:get_settings\n" in done.stdout
    assert f"+baseline = {HEAD}\n" in done.stdout
    assert "-    with connectable.connect() as connection:\n" in done.stdout
    assert "+    with adopted.connect() as connection:\n" in done.stdout
    assert "+++ b/tracker/rowstamp_settings.py" in done.stdout
    assert "+DATABASE_URL=sqlite:///tracker.db\n" in done.stdout
    assert "+/tracker.db.rowstamp-lock\n" in done.stdout
    assert "note: from now on the database URL is DATABASE_URL, else tracker/envs/" in done.stdout
    assert "Nothing was written" in done.stdout
    after = {p: p.read_bytes() for p in fresh_copy.root.rglob("*") if p.is_file()}
    assert after == before


@pytest.mark.sqlite
def test_adopt_keeps_the_project_and_its_database(existing: Project, adopted: Project) -> None:
    ini = (adopted.root / "alembic.ini").read_text(encoding="utf-8")
    assert ini.startswith((existing.root / "alembic.ini").read_text(encoding="utf-8"))
    assert ini.endswith(
        f"[rowstamp]\nsettings = tracker.rowstamp_settings:get_settings\nbaseline = {HEAD}\n"
    )
    env = (adopted.root / "migrations" / "env.py").read_text(encoding="utf-8")
    original = (existing.root / "migrations" / "env.py").read_text(encoding="utf-8")
    diff = list(difflib.ndiff(original.splitlines(), env.splitlines()))
    removed = {line[2:].strip() for line in diff if line.startswith("- ")}
    added = {line[2:].strip() for line in diff if line.startswith("+ ")}
    # Only rowstamp's edits: every hook, option and other line of the project's is kept.
    assert removed == {
        "fileConfig(config.config_file_name)",
        "context.configure(",
        ")",
        "with connectable.connect() as connection:",
        "connectable = engine_from_config(",
        "config.get_section(config.config_ini_section, {}),",
        'prefix="sqlalchemy.",',
        "poolclass=pool.NullPool,",
    }
    assert added == {
        "from rowstamp.runtime import adopted  # rowstamp init --adopt",
        "adopted.file_config(config.config_file_name)",
        "context.configure(**adopted.options(",
        "))",
        "with adopted.connect() as connection:",
        "connectable = None  # rowstamp: adopted.connect() connects",
    }
    # The project's database, its revision and rows, as they were; the retrofit revision
    # went to the first version location, named by the project's file_template and
    # written from its own script.py.mako.
    [retrofit] = (adopted.root / "migrations" / "versions").glob("*_adopt_rowstamp_metadata_*.py")
    assert retrofit.name.split("_")[0].isdigit()
    assert f"down_revision: Union[str, Sequence[str], None] = '{HEAD}'" in retrofit.read_text()
    done = _run(adopted, "rowstamp", "current")
    assert HEAD in done.stdout
    # The project's include_object hook still runs: report_audit is not the models' table,
    # and no revision proposes dropping it.
    assert "report_audit" not in retrofit.read_text()
    assert "drop_table" not in retrofit.read_text()


@pytest.mark.sqlite
def test_adopted_project_upgrades_its_own_database(adopted: Project, tmp_path: Path) -> None:
    """The retrofit on the database the project's own env.py built: rows kept, triggers on."""
    project = Project(tmp_path / "tracker", None)
    shutil.copytree(adopted.root, project.root)
    done = _run(project, "rowstamp", "upgrade", "head")
    assert "Adopt rowstamp metadata columns" in done.output
    assert "INFO" not in done.output, "the project's logging config repeats rowstamp's lines"
    engine = create_engine(_sqlite(project))
    try:
        with engine.begin() as connection:
            row = connection.execute(text("SELECT title, is_active, updated_at FROM tasks")).one()
            assert row[:2] == ("Launch", 1)
            connection.execute(text("UPDATE tasks SET title = 'Liftoff' WHERE id = 1"))
            after = connection.execute(text("SELECT updated_at FROM tasks")).scalar_one()
        assert after > row[2]
        checks = {c["name"] for c in inspect(engine).get_check_constraints("tasks")}
        assert "ck_tasks_priority" in checks
    finally:
        engine.dispose()
    _run(project, "rowstamp", "check")
    _run(project, "alembic", "check")
    _scratch_only(project)
    # The project's own process_revision_directives (write no empty migration) still runs
    # under plain alembic, before rowstamp's.
    versions = sorted((project.root / "migrations").rglob("*.py"))
    _run(project, "alembic", "revision", "--autogenerate", "-m", "Nothing changed")
    assert sorted((project.root / "migrations").rglob("*.py")) == versions


def test_history_and_retrofit_run_on_every_engine(
    adopted: Project, db_url: URL, engine_name: str, servers: dict[str, URL], tmp_path: Path
) -> None:
    """On an empty database of each engine: the project's three revisions, the retrofit,
    the trigger, a clean check, and a downgrade back to the baseline; ``rowstamp test``
    passes on that engine with nothing but what adoption wrote."""
    project = Project(tmp_path / "tracker", db_url)
    shutil.copytree(adopted.root, project.root)
    tested = rowstamp_test(project, engine_name, servers)
    _forget_tracker()
    assert tested.stdout.startswith(f"{engine_name}: passed"), tested.output
    _run(project, "rowstamp", "upgrade", "head")
    engine = create_engine(db_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO projects (id, name) VALUES (1, 'Apollo')"))
            before = connection.execute(text("SELECT updated_at FROM projects")).scalar_one()
        with engine.begin() as connection:
            connection.execute(text("UPDATE projects SET name = 'Artemis' WHERE id = 1"))
            after = connection.execute(text("SELECT updated_at FROM projects")).scalar_one()
        assert after > before
        _run(project, "rowstamp", "check")
        _run(project, "rowstamp", "downgrade", HEAD)
        columns = {c["name"] for c in inspect(engine).get_columns("projects")}
        assert columns == {"id", "name"}
    finally:
        engine.dispose()


def _scratch_only(project: Project) -> None:
    """``rowstamp test`` migrates scratch databases through the adopted env.py: model
    match upgrades the whole history, the stairway walks the adoption revision after
    the baseline (the project's own history is upgraded in one go), and the project's
    own database stays at head."""
    done = _run(project, "rowstamp", "test", "--engine", "sqlite", check=False)
    assert re.search(r"model match\s+ok\s+4", done.stdout), done.output
    assert re.search(r"stairway\s+ok\s+1", done.stdout), done.output
    # The baseline adoption wrote exempts the project's own lower-case messages.
    assert done.stdout.startswith("sqlite: passed"), done.output
    current = _run(project, "rowstamp", "current").stdout
    assert "(head, current)" in current, current


def _documented_env() -> str:
    """The adopted async template of docs/adopting.md ('Keeping your own env.py')."""
    page = (REPO / "docs" / "adopting.md").read_text(encoding="utf-8")
    block = page.split("<!-- adopted-async-env -->", 1)[1]
    code = block.split("```python\n", 1)[1].split("```", 1)[0]
    return textwrap.dedent(code)


@pytest.mark.sqlite
def test_the_documented_manual_env_py_runs(existing: Project, tmp_path: Path) -> None:
    """The manual path: an env.py --adopt does not edit (Alembic's async template),
    adopted by hand as the docs show, upgrades, checks, tests and emits offline SQL."""
    project = Project(tmp_path / "tracker", None)
    shutil.copytree(existing.root, project.root)
    _run(project, "rowstamp", "init", "--adopt", "--yes")
    (project.root / "migrations" / "env.py").write_text(_documented_env(), encoding="utf-8")
    _use_metadata_columns(project)
    _run(project, "rowstamp", "new", "Adopt rowstamp metadata columns")
    done = _run(project, "rowstamp", "upgrade", "head")
    assert "Adopt rowstamp metadata columns" in done.output
    _run(project, "rowstamp", "check")
    _scratch_only(project)
    # Offline, the dialect is that of rowstamp's DATABASE_URL, not alembic.ini's SQLite.
    postgres = "postgresql+psycopg://app@localhost/tracker"
    offline = _run(project, "alembic", "upgrade", f"{HEAD}:head", "--sql", DATABASE_URL=postgres)
    assert "CREATE TRIGGER update_timestamp BEFORE UPDATE ON projects" in offline.stdout


@pytest.mark.parametrize("engine_name", ["mariadb"], indirect=True)
def test_compare_type_true_is_rowstamps_comparison(
    adopted: Project, db_url: URL, tmp_path: Path
) -> None:
    """The project's ``compare_type=True`` (Alembic's own comparison) does not switch off
    rowstamp's per-engine one: MariaDB's DATETIME without microseconds, which Alembic
    takes for DATETIME(6), loses the trigger's microseconds and is drift."""
    project = Project(tmp_path / "tracker", db_url)
    shutil.copytree(adopted.root, project.root)
    _run(project, "rowstamp", "upgrade", "head")
    engine = create_engine(db_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("ALTER TABLE projects MODIFY updated_at DATETIME NOT NULL"))
    finally:
        engine.dispose()
    done = _run(project, "rowstamp", "check", check=False)
    assert done.returncode == 1
    assert "projects: the models need: alter column updated_at" in done.output, done.output


@pytest.mark.sqlite
def test_alembic_ini_inside_the_package(tmp_path: Path) -> None:
    """A library keeps alembic.ini inside its package (mlflow, optuna): the settings go
    into that package, the project root (for SQLite paths) is alembic.ini's folder."""
    root = tmp_path / "lib"
    shutil.copytree(ADOPTABLE, root, ignore=shutil.ignore_patterns("__pycache__", "*.db"))
    here = root / "tracker" / "db"
    here.mkdir()
    (here / "__init__.py").write_text("")
    shutil.move(root / "migrations", here / "migrations")
    ini = (root / "alembic.ini").read_text()
    (here / "alembic.ini").write_text(ini.replace("sys_path = .", "sys_path = ../.."))
    (root / "alembic.ini").unlink()
    project = Project(here, None)
    done = _run(project, "rowstamp", "init", "--adopt", "--yes")
    assert "+++ b/../rowstamp_settings.py" in done.stdout
    settings = (root / "tracker" / "rowstamp_settings.py").read_text()
    assert 'project_root=PACKAGE_DIR / "db")' in settings
    assert (
        (root / "tracker" / "envs" / "development.env")
        .read_text()
        .endswith("DATABASE_URL=sqlite:///tracker.db\n")
    )
    assert "/tracker.db.rowstamp-lock" in (here / ".gitignore").read_text()
    _run(project, "rowstamp", "upgrade", "head")
    assert (here / "tracker.db").is_file()
    _run(project, "rowstamp", "check")


@pytest.mark.sqlite
@pytest.mark.parametrize(
    ("args", "env", "error"),
    [
        (("upgrade", "head", "--sql"), {"DATABASE_URL": "nonsense://"}, "database engine"),
        (("upgrade", "head"), {"ENVIRONMENT": "nosuch"}, "unknown ENVIRONMENT 'nosuch'"),
    ],
    ids=["offline", "online"],
)
def test_plain_alembic_reports_user_errors_in_one_line(
    adopted: Project, tmp_path: Path, args: tuple[str, ...], env: dict[str, str], error: str
) -> None:
    """Through the adopted env.py, as through rowstamp's own: ``FAILED: <what; what to
    do>``, no traceback, offline (``--sql``) too."""
    project = Project(tmp_path / "tracker", None)
    shutil.copytree(adopted.root, project.root)
    done = _run(project, "alembic", *args, check=False, **env)
    assert done.returncode != 0
    assert "Traceback" not in done.output, done.output
    assert f"FAILED: {error}" in done.output, done.output
