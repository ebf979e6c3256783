"""``rowstamp verify``, its run before every upgrade, ``--accept-edited``, ``rowstamp
baseline``, ``history --ledger`` and the status line, on every engine: the ledger a
real upgrade wrote against the migration files as they are afterwards."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from rowstamp.history.ledger import Entry, Ledger
from tests.helpers import BIN, write_revision
from tests.project import FIRST_ID, Project

SECOND = "alembic/versions/c2_c2.py"


@pytest.fixture
def project(db_url: URL, tmp_path: Path) -> Project:
    """The users table (FIRST) and a second revision adding a column."""
    project = Project.copy(tmp_path / "project", db_url, history=True)
    write_revision(
        project,
        "c2",
        FIRST_ID,
        "    op.add_column('users', sa.Column('nickname', sa.String(40)))",
        "    op.drop_column('users', 'nickname')",
    )
    return project


def _third(project: Project, down: str = "c2") -> None:
    write_revision(
        project,
        "c3",
        down,
        "    op.create_index('ix_users_nickname', 'users', ['nickname'])",
        "    op.drop_index('ix_users_nickname', table_name='users')",
    )


def _edit(project: Project, old: str, new: str, path: str = SECOND) -> None:
    file = project.root / path
    source = file.read_text(encoding="utf-8")
    assert old in source
    file.write_text(source.replace(old, new), encoding="utf-8")


def _verify(project: Project) -> tuple[int, list[str]]:
    result = project.run("rowstamp", "verify", check=False)
    assert "Traceback" not in result.output
    return result.returncode, [line for line in result.output.splitlines() if line.strip()]


def _rows(project: Project) -> list[Entry]:
    assert project.url is not None
    engine = create_engine(project.url)
    try:
        with engine.connect() as connection:
            return Ledger().entries(connection)
    finally:
        engine.dispose()


def _ledger_off(project: Project, off: bool = True) -> None:
    ini = project.root / "alembic.ini"
    source = ini.read_text(encoding="utf-8")
    line = "[rowstamp]\nledger_table = off\n"
    ini.write_text(
        source.replace("[rowstamp]\n", line) if off else source.replace(line, "[rowstamp]\n"),
        encoding="utf-8",
    )


def test_an_edited_operation_fails_verify_and_the_next_upgrade(project: Project) -> None:
    project.run("rowstamp", "upgrade")
    code, lines = _verify(project)
    assert code == 0 and lines[-1].startswith("OK: the ledger of development")
    _edit(project, "sa.String(40)", "sa.String(80)")
    code, lines = _verify(project)
    assert code == 1
    [error] = [line for line in lines if line.startswith("error:")]
    assert f"error: revision c2 ({SECOND}) was edited after it was applied here" in error
    assert "--accept-edited c2" in error
    _third(project)
    refused = project.run("rowstamp", "upgrade", check=False)
    assert refused.returncode == 1 and "Traceback" not in refused.output
    assert "rowstamp: error: refusing to upgrade: revision c2" in refused.stderr
    plain = project.alembic("upgrade", "head", check=False)
    assert plain.returncode != 0 and "refusing to upgrade: revision c2" in plain.stderr
    assert [r.revision for r in _rows(project) if r.direction == "upgrade"] == [FIRST_ID, "c2"]


def test_reformatted_and_commented_files_pass(project: Project) -> None:
    project.run("rowstamp", "upgrade")
    for path in (project.root / "alembic" / "versions").glob("*.py"):
        done = subprocess.run(
            [str(BIN / "ruff"), "format", "--isolated", "--line-length", "60", str(path)],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0 and "1 file reformatted" in done.stdout, done.stdout
    _edit(project, "def upgrade() -> None:\n", "def upgrade() -> None:\n    # the nickname\n")
    code, lines = _verify(project)
    assert code == 0, lines
    assert lines == [lines[-1]] and lines[-1].startswith("OK:")


def test_a_deleted_applied_file_fails(project: Project) -> None:
    _third(project)
    project.run("rowstamp", "upgrade")
    (project.root / SECOND).unlink()  # in the middle: Alembic cannot even read the graph
    code, lines = _verify(project)
    assert code == 1
    [error] = [line for line in lines if line.startswith("error:")]
    assert "error: revision c2, applied " in error
    assert "is applied to this database but its migration file is gone" in error
    (project.root / "alembic" / "versions" / "c3_c3.py").unlink()  # the head's, too
    code, lines = _verify(project)
    assert code == 1 and sum(" its migration file is gone" in line for line in lines) == 2


def test_accept_edited_is_logged_and_then_verify_passes(project: Project) -> None:
    project.run("rowstamp", "upgrade")
    _edit(project, "sa.String(40)", "sa.String(80)")
    _third(project)
    unexplained = project.run("rowstamp", "upgrade", "--accept-edited", "c2", check=False)
    assert unexplained.returncode == 1 and "needs a reason" in unexplained.stderr
    wrong = project.run(
        "rowstamp", "upgrade", "--accept-edited", FIRST_ID, "--reason", "x", check=False
    )
    assert wrong.returncode == 1 and "edited ones: c2" in wrong.stderr
    out = project.run(
        "rowstamp", "upgrade", "--accept-edited", "c2", "--reason", "widened by hand everywhere"
    ).output
    assert "Accepted the edit of applied revision c2: widened by hand everywhere" in out
    assert "Applied c3" in out
    [accept] = [r for r in _rows(project) if r.direction == "accept"]
    assert (accept.revision, accept.status, accept.note) == (
        "c2",
        "done",
        "widened by hand everywhere",
    )
    assert accept.checksum is not None and accept.checksum.startswith("v1:")
    assert _verify(project)[0] == 0


def test_accept_edited_through_plain_alembic(project: Project) -> None:
    project.alembic("upgrade", "c2")
    _edit(project, "sa.String(40)", "sa.String(80)")
    _third(project)
    result = project.alembic(
        "-x", "accept-edited=c2", "-x", "reason=same change made by hand", "upgrade", "head"
    )
    assert "accepted the edit of applied revision c2: same change made by hand" in result.output
    rows = _rows(project)
    assert [(r.revision, r.direction) for r in rows][-2:] == [("c2", "accept"), ("c3", "upgrade")]
    assert _verify(project)[0] == 0


@pytest.mark.parametrize("how", ["off", "dropped"])
def test_baseline_on_a_database_migrated_without_the_ledger(project: Project, how: str) -> None:
    if how == "off":
        _ledger_off(project)
    project.alembic("upgrade", "head")
    if how == "off":
        _ledger_off(project, off=False)
    else:
        assert project.url is not None
        engine = create_engine(project.url)
        with engine.begin() as connection:
            connection.execute(text("DROP TABLE rowstamp_history"))
        engine.dispose()
    code, lines = _verify(project)
    assert code == 0
    [warning] = [line for line in lines if line.startswith("warning:")]
    assert (
        f"2 applied revision(s) have no ledger row, so they cannot be verified: {FIRST_ID}, c2"
        in warning
    )
    assert "rowstamp baseline" in warning
    out = project.run("rowstamp", "baseline").output
    assert "Recorded 2 revision(s) as baseline in the ledger of development" in out
    rows = _rows(project)
    assert [(r.revision, r.direction, r.status) for r in rows] == [
        (FIRST_ID, "baseline", "done"),
        ("c2", "baseline", "done"),
    ]
    assert all(r.checksum and r.file_sha for r in rows)
    assert _verify(project)[1][-1].startswith("OK:")
    again = project.run("rowstamp", "baseline", check=False)
    assert again.returncode == 1 and "already records every applied revision" in again.stderr
    assert "rowstamp baseline --force" in again.stderr
    _edit(project, "sa.String(40)", "sa.String(80)")
    assert _verify(project)[0] == 1
    project.run("rowstamp", "baseline", "--force")
    assert _verify(project)[0] == 0


def test_revisions_applied_before_the_ledger_are_one_warning(project: Project) -> None:
    _ledger_off(project)
    project.alembic("upgrade", FIRST_ID)  # before this release: no ledger
    _ledger_off(project, off=False)
    out = project.alembic("upgrade", "head").output
    assert out.count("have no ledger row") == 1 and f"verified: {FIRST_ID} " in out
    code, lines = _verify(project)
    assert code == 0
    assert [line for line in lines if line.startswith(("warning:", "error:"))] == [
        f"warning: 1 applied revision(s) have no ledger row, so they cannot be verified: "
        f"{FIRST_ID} (applied before the ledger existed, or stamped); record them as they are now: "
        "rowstamp baseline"
    ]
    assert "Recorded 1 revision(s)" in project.run("rowstamp", "baseline").output
    assert _verify(project)[1] == [_verify(project)[1][-1]]


def test_a_revision_inserted_into_applied_history_is_out_of_order(project: Project) -> None:
    project.run("rowstamp", "upgrade")
    write_revision(project, "n1", FIRST_ID, "    pass", "    pass")
    _edit(project, f"down_revision = {FIRST_ID!r}", "down_revision = 'n1'")
    code, lines = _verify(project)
    assert code == 1
    errors = [line for line in lines if line.startswith("error:")]
    assert any(line.startswith("error: revision c2 (") and "was edited" in line for line in errors)
    assert any(
        line.startswith("error: revision n1 (alembic/versions/n1_n1.py) was never applied here")
        and f"its ancestor {FIRST_ID}" in line
        for line in errors
    ), errors


def test_an_interrupted_step_is_reported(project: Project) -> None:
    project.run("rowstamp", "upgrade")
    assert project.url is not None
    engine = create_engine(project.url)
    with engine.begin() as connection:  # what a killed run leaves: its running row
        Ledger().append(connection, revision="c2", direction="downgrade", status="running")
    engine.dispose()
    code, lines = _verify(project)
    assert code == 1
    assert any("the downgrade of revision c2 started " in line for line in lines)


def test_history_ledger_and_status_show_who_applied_what(project: Project) -> None:
    project.run("rowstamp", "upgrade")
    project.run("rowstamp", "downgrade", "-1", "--yes")
    project.run("rowstamp", "upgrade")
    lines = project.run("rowstamp", "history", "--ledger").stdout.splitlines()
    steps = [line.split()[3:5] for line in lines[1:]]
    assert steps == [
        ["upgrade", "c2"],
        ["downgrade", "c2"],
        ["upgrade", "c2"],
        ["upgrade", FIRST_ID],
    ]
    assert " done " in lines[1] and " s  " in lines[1] and "@" in lines[1]
    status = project.run("rowstamp", "status").stdout
    [last] = [line for line in status.splitlines() if line.startswith("Last applied:")]
    assert last.startswith("Last applied: c2 by ") and " UTC (" in last and last.endswith(" s)")


def test_an_ancestor_applied_after_its_descendant_is_out_of_order(project: Project) -> None:
    project.run("rowstamp", "upgrade")
    write_revision(project, "x1", FIRST_ID, "    pass", "    pass")  # a branch, applied later
    project.alembic("upgrade", "heads")
    _edit(project, f"down_revision = {FIRST_ID!r}", "down_revision = 'x1'")  # then rebased
    code, lines = _verify(project)
    assert code == 1
    assert any(
        line.startswith("error: revision x1 was applied ") and "after its descendant c2" in line
        for line in lines
    ), lines


def test_revisions_alembic_stamp_marked_applied_can_be_baselined(project: Project) -> None:
    project.alembic("stamp", "head")  # one stamp row, for c2
    code, lines = _verify(project)
    assert code == 0
    [warning] = [line for line in lines if line.startswith("warning:")]
    assert (
        f"1 applied revision(s) have no ledger row, so they cannot be verified: {FIRST_ID} ("
        in warning
    )
    assert "Recorded 1 revision(s) as baseline" in project.run("rowstamp", "baseline").output
    code, lines = _verify(project)
    assert code == 0 and len(lines) == 1


def test_a_project_without_a_ledger_is_told_so_in_one_line(project: Project) -> None:
    _ledger_off(project)
    project.run("rowstamp", "upgrade")
    for command in ("verify", "baseline"):
        result = project.run("rowstamp", command, check=False)
        assert result.returncode == 1 and result.stdout == ""
        assert result.stderr.strip() == (
            "rowstamp: error: this project keeps no ledger (alembic.ini: [rowstamp] "
            "ledger_table = off); remove that line, so each upgrade records its steps"
        )


def test_a_revision_stamped_away_may_be_deleted(project: Project) -> None:
    project.run("rowstamp", "upgrade")
    project.alembic("stamp", FIRST_ID)  # c2 undone by hand, then its file removed
    (project.root / SECOND).unlink()
    code, lines = _verify(project)
    assert code == 0 and lines[-1].startswith("OK:"), lines
