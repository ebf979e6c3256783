"""``rowstamp test`` on this repository's own migrations, data tests, JUnit XML and
user errors, through the real CLI on every engine."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import quote
from xml.etree import ElementTree

from sqlalchemy.engine import URL

from rowstamp.testing.servers import TEST_PASSWORD
from tests.project import FIRST_ID as FIRST
from tests.project import REPO, Project, rowstamp_test, scenario_project, widget_model

SEEDED = (
    (
        "a1b2c3d4e5f6",
        FIRST,
        "Backfill user names from emails",
        "def rowstamp_seed(connection):\n"
        "    insert = \"INSERT INTO users (email) VALUES ('ada@example.com')\"\n"
        "    connection.execute(sa.text(insert))\n\n\n"
        "def rowstamp_check(connection):\n"
        "    names = connection.execute(sa.text('SELECT name FROM users')).scalars().all()\n"
        "    assert names == [@EXPECTED@], f'names are {names}'\n\n\n"
        "def upgrade():\n"
        "    op.execute(\"UPDATE users SET name = 'ada' WHERE name IS NULL\")\n\n\n"
        "def downgrade():\n    pass\n",
    ),
)


def test_this_repository_passes_on_every_engine(
    tmp_path: Path,
    engine_name: str,
    servers: dict[str, URL],
) -> None:
    project = Project.copy(tmp_path / "project", None)
    for path in (REPO / "alembic" / "versions").glob("*.py"):
        shutil.copy2(path, project.root / "alembic" / "versions")
    junit = tmp_path / "report.xml"
    env = {
        f"TEST_{name.upper()}_URL": url.render_as_string(hide_password=False)
        for name, url in servers.items()
    }
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    command = ("rowstamp", "test", "--engine", engine_name, "--junit-xml", str(junit))
    result = project.run(*command, TMPDIR=str(tmp), **env)
    assert f"{engine_name}: passed" in result.stdout
    assert list(tmp.iterdir()) == []  # no scratch file or lock file left behind
    assert "FAILED" not in result.output
    suite = ElementTree.parse(junit).getroot()
    names = [case.get("name") for case in suite.iter("testcase")]
    assert names == [
        "single head",
        "message rules",
        "model match",
        "metadata contract",
        "stairway",
        "round trip",
        "clean downgrade",
    ]
    assert suite.get("failures") == "0"


def _seeded(expected: str) -> tuple[tuple[str, str, str, str], ...]:
    ((revision, down, message, body),) = SEEDED
    return ((revision, down, message, body.replace("@EXPECTED@", expected)),)


def test_data_tests_run_around_their_revision(
    tmp_path: Path,
    engine_name: str,
    servers: dict[str, URL],
) -> None:
    ok = rowstamp_test(scenario_project(tmp_path / "ok", *_seeded("'ada'")), engine_name, servers)
    assert ok.returncode == 0, ok.output
    assert "data tests" in ok.stdout
    bad = rowstamp_test(scenario_project(tmp_path / "bad", *_seeded("'bob'")), engine_name, servers)
    assert bad.returncode == 1, bad.output
    assert [line for line in bad.output.splitlines() if line.startswith("FAILED")] == [
        f"FAILED data tests ({engine_name}): a1b2c3d4e5f6: rowstamp_check failed: names are ['ada']"
    ]


def test_user_errors_are_one_line_and_masked(tmp_path: Path) -> None:
    project = scenario_project(tmp_path)
    result = project.run("rowstamp", "test", "--engine", "oracle", check=False)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "rowstamp: error: unknown engine 'oracle'; choose from: sqlite, postgresql, mariadb"
    )
    url = f"postgresql://u:{quote(TEST_PASSWORD, safe='')}@h/db"
    result = project.run("rowstamp", "test", "--url", url, "--engine", "sqlite", check=False)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert "***" in result.stderr


def test_pytest_plugin_runs_the_checks_in_a_users_suite(
    tmp_path: Path,
    engine_name: str,
    servers: dict[str, URL],
) -> None:
    from tests.integration.testing.test_migration_checks import DRIFTED, DRIFTED_MODEL

    project = scenario_project(tmp_path, *DRIFTED, widget=widget_model(DRIFTED_MODEL))
    (project.root / "test_migrations.py").write_text(
        "from rowstamp.testing.tests import *  # noqa: F403\n", encoding="utf-8"
    )
    env = {
        f"TEST_{name.upper()}_URL": url.render_as_string(hide_password=False)
        for name, url in servers.items()
    }
    result = project.run(
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "test_migrations.py",
        "--rowstamp-engine",
        engine_name,
        check=False,
        **env,
    )
    assert result.returncode == 1, result.output
    failed = sorted(
        line.split()[1] for line in result.stdout.splitlines() if line.startswith("FAILED")
    )
    assert failed == [f"test_migrations.py::test_rowstamp_model_match[{engine_name}]"]
    assert "7 passed" in result.stdout
