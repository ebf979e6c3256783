"""``rowstamp test`` on an adopted history (issue 15 item 3, report finding 18).

The project's own history starts from ``create_all`` (its first revision alters a
table no revision creates), has messages from before the message rules, and
leaves a view behind on purpose (as an extension's functions are). rowstamp's
retrofit revision follows the baseline. With the documented ``[rowstamp]`` settings
every check passes, walking from the baseline or, on request, from base; without
them the history cannot even be walked.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy.engine import URL

from tests.project import FIRST_ID as FIRST
from tests.project import PROJECTS, Project, Result, rowstamp_test, scenario_project

PIECES = PROJECTS / "adopted_history"
CHECKS = (
    "single head",
    "message rules",
    "model match",
    "metadata contract",
    "stairway",
    "round trip",
    "clean downgrade",
)
SETTINGS = "baseline = o1\ntest_initial_schema = app.initial_schema:metadata\n"
WALK_OWN = "test_walk_from = base\ntest_allow_leftovers = view *legacy_view\n"
"""Walk the project's own history too, accepting the view it leaves."""


def _results(result: Result) -> dict[str, str]:
    """check -> ok / FAILED / skipped, from the plain table ``rowstamp test`` prints."""
    found = {}
    for line in result.stdout.splitlines():
        words = line.split()
        for check in CHECKS:
            if line.strip().startswith(check + " ") and len(words) > len(check.split()):
                found[check] = words[len(check.split())]
    return found


def _adopted(tmp_path: Path, settings: str) -> Project:
    project = Project.copy(tmp_path / "project", None)
    (project.root / "app" / "models" / "user.py").unlink()
    shutil.copy(PIECES / "gadget_model.py.txt", project.root / "app" / "models" / "gadget.py")
    shutil.copy(PIECES / "initial_schema.py.txt", project.root / "app" / "initial_schema.py")
    versions = project.root / "alembic" / "versions"
    shutil.copy(PIECES / "o1_own.py.txt", versions / "o1_own.py")
    shutil.copy(PIECES / "n2_retrofit.py.txt", versions / "n2_retrofit.py")
    ini = project.root / "alembic.ini"
    text = ini.read_text(encoding="utf-8")
    ini.write_text(text.replace("[rowstamp]\n", "[rowstamp]\n" + settings), encoding="utf-8")
    return project


def _revisions(result: Result, check: str) -> str:
    line = next(x for x in result.stdout.splitlines() if x.strip().startswith(check + " "))
    return line.split()[len(check.split()) + 1]


def test_an_adopted_history_passes_with_its_documented_settings(
    tmp_path: Path, engine_name: str, servers: dict[str, URL]
) -> None:
    """The walks start at the baseline: o1 is upgraded in one go, n2 is walked."""
    result = rowstamp_test(_adopted(tmp_path, SETTINGS), engine_name, servers)
    assert result.returncode == 0, result.output
    assert _results(result) == dict.fromkeys(CHECKS, "ok"), result.output
    assert _revisions(result, "stairway") == "1", result.output


def test_the_own_history_is_walked_too_on_request(
    tmp_path: Path, engine_name: str, servers: dict[str, URL]
) -> None:
    result = rowstamp_test(_adopted(tmp_path, SETTINGS + WALK_OWN), engine_name, servers)
    assert result.returncode == 0, result.output
    assert _results(result) == dict.fromkeys(CHECKS, "ok"), result.output
    assert _revisions(result, "stairway") == "2", result.output


def test_without_them_the_history_cannot_be_walked(
    tmp_path: Path, engine_name: str, servers: dict[str, URL]
) -> None:
    result = rowstamp_test(_adopted(tmp_path, ""), engine_name, servers)
    assert result.returncode == 1
    assert "o1: upgrade failed" in result.output  # gadgets: created by create_all
    assert "o1: the migration message" in result.output
    assert "Traceback" not in result.output


def test_a_leftover_not_allowed_still_fails_the_stairway(
    tmp_path: Path, engine_name: str, servers: dict[str, URL]
) -> None:
    settings = SETTINGS + "test_walk_from = base\n"
    result = rowstamp_test(_adopted(tmp_path, settings), engine_name, servers)
    assert _results(result)["stairway"] == "FAILED", result.output
    assert "legacy_view" in result.output


def test_skipped_checks_are_reported_as_skipped_in_alembic_ini(
    tmp_path: Path, engine_name: str, servers: dict[str, URL]
) -> None:
    settings = SETTINGS + "test_skip = stairway, message rules\n"
    result = rowstamp_test(_adopted(tmp_path, settings), engine_name, servers)
    assert result.returncode == 0, result.output
    results = _results(result)
    assert results["stairway"] == results["message rules"] == "skipped", result.output
    assert results["round trip"] == "skipped"  # read off the stairway's walk
    assert results["clean downgrade"] == results["model match"] == "ok", result.output
    assert "skipped stairway (" + engine_name + "): test_skip in alembic.ini" in result.output


def test_a_run_skips_checks_given_on_the_command_line(
    tmp_path: Path, engine_name: str, servers: dict[str, URL]
) -> None:
    project = _adopted(tmp_path, SETTINGS)
    env = {
        f"TEST_{name.upper()}_URL": url.render_as_string(hide_password=False)
        for name, url in servers.items()
    }
    result = project.run(
        "rowstamp", "test", "--engine", engine_name, "--skip", "metadata contract",
        "--skip", "clean downgrade", check=False, **env,
    )  # fmt: skip
    assert result.returncode == 0, result.output
    results = _results(result)
    assert results["metadata contract"] == results["clean downgrade"] == "skipped"
    assert f"skipped clean downgrade ({engine_name}): --skip" in result.output
    bad = project.run("rowstamp", "test", "--skip", "stairs", check=False)
    assert bad.returncode == 1
    assert bad.stderr.strip().splitlines() == [
        "rowstamp: error: --skip names no check: stairs; use check names: single head, "
        "message rules, model match, metadata contract, stairway, round trip, "
        "clean downgrade, data tests"
    ]


def test_the_pytest_plugin_reads_the_same_settings(
    tmp_path: Path, engine_name: str, servers: dict[str, URL]
) -> None:
    project = _adopted(tmp_path, SETTINGS + "test_skip = round trip\n")
    (project.root / "test_migrations.py").write_text(
        "from rowstamp.testing.tests import *  # noqa: F403\n", encoding="utf-8"
    )
    env = {
        f"TEST_{name.upper()}_URL": url.render_as_string(hide_password=False)
        for name, url in servers.items()
    }
    result = project.run(
        "pytest", "-q", "-p", "no:cacheprovider", "test_migrations.py", "-rs",
        "--rowstamp-engine", engine_name, check=False, **env,
    )  # fmt: skip
    assert result.returncode == 0, result.output
    assert "7 passed, 1 skipped" in result.stdout, result.output
    assert "test_skip in alembic.ini" in result.stdout


DRIFTED_WIDGETS = (
    "a1b2c3d4e5f6",
    FIRST,
    "Create widgets table",
    "def upgrade():\n    widgets_table()\n"
    "    op.create_index(op.f('ix_widgets_name'), 'widgets', ['name'], unique=False)\n"
    "    op.create_updated_at_trigger('widgets', version=1)\n\n\n"
    "def downgrade():\n    op.drop_updated_at_trigger('widgets', version=1)\n"
    "    op.drop_index(op.f('ix_widgets_name'), table_name='widgets')\n"
    "    op.drop_table('widgets')\n",
)


def test_the_contract_still_checks_the_tables_model_match_did_not_flag(
    tmp_path: Path, engine_name: str, servers: dict[str, URL]
) -> None:
    from tests.integration.testing.test_migration_checks import DUD_TRIGGER
    from tests.project import widget_model

    _, _, message, body = DUD_TRIGGER[0]
    dud = ("b2c3d4e5f6a7", "a1b2c3d4e5f6", message, body)
    color = "    color: Mapped[str | None] = mapped_column(String(20), nullable=True)\n"
    project = scenario_project(tmp_path, DRIFTED_WIDGETS, dud, widget=widget_model(color))
    result = rowstamp_test(project, engine_name, servers)
    results = _results(result)
    assert results["model match"] == results["metadata contract"] == "FAILED", result.output
    assert "users: a raw-SQL UPDATE left updated_at" in result.output
    assert "widgets." not in result.output.split("FAILED metadata contract")[-1]
