"""``rowstamp init`` writes exactly this repository's layout, and its scripts work.

The templates are copies of the repository's own files; when one of those files
changes, this test names it; ``ROWSTAMP_UPDATE_TEMPLATES=1`` copies the changed files
to their ``.tmpl`` under ``src/rowstamp/templates/project/``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import URL

from rowstamp.scaffold import SUFFIX, template_files
from tests.helpers import ROWSTAMP
from tests.project import REPO, Project

TEMPLATES = REPO / "src" / "rowstamp" / "templates" / "project"
MIRRORED = ["app", "alembic.ini", "alembic/env.py", "alembic/script.py.mako", "scripts"]


def _repository_files() -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for name in MIRRORED:
        path = REPO / name
        paths = [path] if path.is_file() else sorted(path.rglob("*"))
        for item in paths:
            if item.is_file() and "__pycache__" not in item.parts:
                files[str(item.relative_to(REPO))] = item.read_bytes()
    return files


def _rowstamp(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*ROWSTAMP, *args],
        cwd=cwd, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_templates_equal_this_repository() -> None:
    mine = _repository_files()
    if os.environ.get("ROWSTAMP_UPDATE_TEMPLATES") == "1":
        for name, content in mine.items():
            target = TEMPLATES / f"{name}{SUFFIX}"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
    templates = template_files()
    mirrored = {k: v for k, v in templates.items() if k in mine or not k.startswith("docs/")}
    stale = sorted(k for k in mine if templates.get(k) != mine[k])
    assert not stale, (
        f"templates differ for {stale}; update them: ROWSTAMP_UPDATE_TEMPLATES=1 pytest "
        "tests/cli/test_scaffold.py"
    )
    assert sorted(mirrored) == sorted(mine)
    assert "docs/migrations.md" in templates


def test_init_then_the_two_scripts_work_on_sqlite(tmp_path: Path) -> None:
    target = tmp_path / "service"
    done = _rowstamp("init", str(target), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "wrote scripts/migrate" in done.stdout
    for name, content in _repository_files().items():
        assert (target / name).read_bytes() == content, name
    assert (target / "docs" / "migrations.md").is_file()
    assert (target / "alembic" / "versions").is_dir()

    (target / ".venv").symlink_to(sys.prefix)
    url = URL.create("sqlite", database=str(tmp_path / "service.sqlite3"))
    project = Project(target, url)
    out = project.run("./scripts/migrate", "Create users table").stdout
    assert "_create_users_table.py" in out
    project.run("./scripts/dev_migrate")
    engine = create_engine(url)
    assert "users" in inspect(engine).get_table_names()
    engine.dispose()

    again = _rowstamp("init", str(target), cwd=tmp_path)
    assert again.returncode == 0 and "0 file(s) written" in again.stdout


@pytest.mark.parametrize("existing", ["alembic.ini", "app/db/base.py"])
def test_init_refuses_to_overwrite_and_writes_nothing(tmp_path: Path, existing: str) -> None:
    target = tmp_path / "service"
    (target / existing).parent.mkdir(parents=True)
    (target / existing).write_text("# mine\n")
    done = _rowstamp("init", str(target), cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.startswith("rowstamp: error: 1 file(s) in ")
    assert existing in done.stderr and "nothing was written" in done.stderr
    assert sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()) == [
        existing
    ]
