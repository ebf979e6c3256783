"""``rowstamp init --adopt`` refusals and re-runs: one line, nothing written.

The adoption itself, on a real history and every engine, is
``tests/integration/init_adopt``; here are the projects it cannot or need not change.
"""

from __future__ import annotations

import os
import pty
import shutil
import subprocess
from pathlib import Path

import pytest

from rowstamp.project.envpy import patch_env
from tests.helpers import BIN
from tests.project import PROJECTS, Project, Result, run_rowstamp

ADOPTABLE = PROJECTS / "adoptable"


def _project(tmp_path: Path) -> Path:
    root = tmp_path / "tracker"
    shutil.copytree(ADOPTABLE, root, ignore=shutil.ignore_patterns("__pycache__", "*.db"))
    return root


def _files(root: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _adopt(root: Path, *args: str) -> Result:
    return run_rowstamp(root, "init", "--adopt", *args)


def _refused(root: Path, *args: str) -> str:
    before = _files(root)
    done = _adopt(root, "--yes", *args)
    assert done.returncode == 1, done.output
    assert _files(root) == before, "a refused adoption wrote something"
    assert "Traceback" not in done.output and len(done.stderr.splitlines()) == 1, done.stderr
    return done.stderr


def test_a_project_without_alembic_ini_is_pointed_at_plain_init(tmp_path: Path) -> None:
    error = _refused(tmp_path)
    assert error.startswith("rowstamp: error: no alembic.ini in .: --adopt is for an existing")
    assert "rowstamp init without --adopt" in error


def test_two_heads_must_be_merged_first(tmp_path: Path) -> None:
    root = _project(tmp_path)
    fork = root / "migrations" / "versions" / "20240701_d4e5f6a7b8c9_fork.py"
    fork.write_text(
        'revision = "d4e5f6a7b8c9"\ndown_revision = "7b8c9d0e1f2a"\n'
        "def upgrade():\n    pass\n\ndef downgrade():\n    pass\n"
    )
    error = _refused(root)
    assert "the history has 2 heads (c3d4e5f6a7b8, d4e5f6a7b8c9)" in error
    assert "alembic merge heads" in error


def test_an_unknown_package_names_the_option(tmp_path: Path) -> None:
    root = _project(tmp_path)
    assert "pass the directory name of the project's Python package to --package" in _refused(
        root, "--package", "nosuch"
    )
    env = root / "migrations" / "env.py"
    env.write_text(env.read_text().replace("from tracker.models", "from models"))
    assert "rowstamp init --adopt --package <name>" in _refused(root)


def test_an_env_py_it_cannot_edit_points_at_the_manual_path(tmp_path: Path) -> None:
    root = _project(tmp_path)
    env = root / "migrations" / "env.py"
    env.write_text(
        env.read_text().replace(
            "    with connectable.connect() as connection:\n",
            "    connection = connectable.connect()\n    if True:\n",
        )
    )
    error = _refused(root)
    assert "blocks, --adopt edits exactly one" in error
    assert "docs/adopting.md" in error


@pytest.mark.parametrize(
    "source",
    [
        "from alembic import context\nasync def run():\n"
        "    async with engine.connect() as connection:\n"
        "        await connection.run_sync(lambda c: context.configure(connection=c))\n",
        "from alembic import context\n",
    ],
    ids=["async", "no-configure"],
)
def test_env_py_shapes_it_does_not_edit(source: str) -> None:
    from rowstamp.errors import RowstampError

    with pytest.raises(RowstampError, match=r"docs/adopting\.md"):
        patch_env(source)


def test_a_second_run_changes_nothing(tmp_path: Path) -> None:
    root = _project(tmp_path)
    assert _adopt(root, "--yes").returncode == 0
    before = _files(root)
    again = _adopt(root)
    assert again.returncode == 0, again.output
    assert "has already adopted rowstamp: nothing to change" in again.stdout
    assert _files(root) == before


def test_package_option_and_src_layout(tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / "src").mkdir()
    shutil.move(root / "tracker", root / "src" / "tracker")
    ini = root / "alembic.ini"
    ini.write_text(ini.read_text().replace("prepend_sys_path = .", "prepend_sys_path = src"))
    done = _adopt(root, "--yes", "--package", "tracker")
    assert done.returncode == 0, done.output
    settings = (root / "src" / "tracker" / "rowstamp_settings.py").read_text()
    assert "project_root=PACKAGE_DIR.parent.parent)" in settings
    assert (root / "src" / "tracker" / "envs" / "development.env").is_file()


def test_an_env_py_that_reads_its_own_url_gets_a_note(tmp_path: Path) -> None:
    root = _project(tmp_path)
    env = root / "migrations" / "env.py"
    env.write_text(
        env.read_text().replace(
            "config = context.config\n",
            "config = context.config\n"
            'config.set_main_option("sqlalchemy.url", os.environ["TRACKER_DB"])\n',
        )
    )
    done = _adopt(root)
    assert done.returncode == 0, done.output
    assert "note: env.py reads settings itself (os.environ, set_main_option); from now on" in (
        done.stdout
    )
    assert "make every deploy set DATABASE_URL" in done.stdout


def test_a_missing_env_py_or_script_location_is_one_line(tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / "migrations" / "env.py").unlink()
    assert "no env.py in " in _refused(root)
    shutil.rmtree(root / "migrations")
    assert "cannot read the Alembic history: " in _refused(root)


def test_an_alembic_ini_elsewhere_is_named_with_config(tmp_path: Path) -> None:
    """``rowstamp --config deploy/alembic.ini init --adopt``: that file gets [rowstamp],
    and the scripts pass it on."""
    root = _project(tmp_path)
    (root / "deploy").mkdir()
    ini = (
        (root / "alembic.ini").read_text().replace("%(here)s/migrations", "%(here)s/../migrations")
    )
    (root / "deploy" / "alembic.ini").write_text(ini)
    (root / "alembic.ini").unlink()
    assert "no alembic.ini in ." in _refused(root)
    done = run_rowstamp(root, "--config", "deploy/alembic.ini", "init", "--adopt", "--yes")
    assert done.returncode == 0, done.output
    assert "+++ b/deploy/alembic.ini" in done.stdout
    assert (root / "deploy" / "alembic.ini").read_text().startswith(ini)
    script = (root / "scripts" / "dev_migrate").read_text()
    assert 'exec "$rowstamp" --config deploy/alembic.ini --env development upgrade head' in script
    assert (
        "DATABASE_URL=sqlite:///deploy/tracker.db\n"
        in (root / "tracker" / "envs" / "development.env").read_text()
    )
    assert "/deploy/tracker.db\n" in (root / ".gitignore").read_text()
    migrated = Project(root, None).run("./scripts/dev_migrate")
    assert "Applied c3d4e5f6a7b8  add task priority" in migrated.stdout
    assert (root / "deploy" / "tracker.db").is_file()


def _at_a_terminal(root: Path, answer: bytes) -> tuple[int, str]:
    """``rowstamp init --adopt`` in a real process on a pseudo-terminal, answering
    ``answer`` to its question (the prompt needs a terminal, so no CliRunner)."""
    main, child = pty.openpty()
    process = subprocess.Popen(
        [str(BIN / "rowstamp"), "init", "--adopt"],
        cwd=root,
        stdin=child,
        stdout=child,
        stderr=child,
        env={**os.environ, "COLUMNS": "200"},
    )
    os.close(child)
    output = b""
    answered = False
    while True:
        try:
            chunk = os.read(main, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        output += chunk
        if not answered and b"Write these 9 file(s)? [y/N]" in output:
            os.write(main, answer)
            answered = True
    os.close(main)
    return process.wait(timeout=60), output.decode(errors="replace")


@pytest.mark.parametrize(("answer", "written"), [(b"y\n", True), (b"\n", False)])
def test_at_a_terminal_it_asks_before_writing(tmp_path: Path, answer: bytes, written: bool) -> None:
    root = _project(tmp_path)
    before = _files(root)
    code, output = _at_a_terminal(root, answer)
    assert code == 0, output
    assert "+baseline = c3d4e5f6a7b8" in output
    assert ("9 file(s) written." in output) is written
    assert ("Nothing was written." in output) is not written
    assert (_files(root) != before) is written


def test_an_empty_history_has_no_baseline(tmp_path: Path) -> None:
    root = _project(tmp_path)
    for revision in (root / "migrations").rglob("2024*.py"):
        revision.unlink()
    done = _adopt(root, "--yes")
    assert done.returncode == 0, done.output
    assert "baseline: none (the history is empty)" in done.stdout
    ini = (root / "alembic.ini").read_text()
    assert ini.endswith("[rowstamp]\nsettings = tracker.rowstamp_settings:get_settings\n")


def test_an_existing_rowstamp_section_keeps_its_options(tmp_path: Path) -> None:
    root = _project(tmp_path)
    ini = root / "alembic.ini"
    text = ini.read_text().replace(
        "[post_write_hooks]\n",
        "[rowstamp]\n# ours\nsettings = tracker.rowstamp_settings:get_settings\n"
        "test_skip = stairway\n\n[post_write_hooks]\n",
    )
    ini.write_text(text)
    assert _adopt(root, "--yes").returncode == 0
    assert ini.read_text() == text.replace("[rowstamp]\n", "[rowstamp]\nbaseline = c3d4e5f6a7b8\n")


def test_the_diff_never_shows_a_password(tmp_path: Path) -> None:
    """alembic.ini's URL moves into the development env file; the diff shown masks it."""
    root = _project(tmp_path)
    ini = root / "alembic.ini"
    url = "postgresql+psycopg://tracker:s3cret@db.internal/tracker"
    ini.write_text(ini.read_text().replace("sqlite:///%(here)s/tracker.db", url))
    done = _adopt(root, "--yes")
    assert done.returncode == 0, done.output
    assert "s3cret" not in done.output
    assert "+DATABASE_URL=postgresql+psycopg://tracker:***@db.internal/tracker" in done.stdout
    env = (root / "tracker" / "envs" / "development.env").read_text()
    assert env.endswith(f"DATABASE_URL={url}\n")
    assert not (root / ".gitignore").exists(), "no SQLite file to ignore"
