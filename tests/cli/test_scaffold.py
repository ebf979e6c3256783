"""``rowstamp init`` writes exactly this repository's layout, from a checkout or a wheel.

The template has one copy: the repository's own files. A checkout (and an editable
install) reads them in place; a wheel carries them, mapped in at build time. These
tests compare what ``init`` writes with the repository's files, run the two scripts of
a fresh project, and build and install a real wheel to run ``init`` outside the checkout.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import URL

from rowstamp.project.scaffold import GUIDE_PAGE, project_files
from rowstamp.project.template import checkout_root, template_files
from tests.project import REPO, Project, Result, run_rowstamp

# What a new project gets from this repository, named here independently of the code.
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


def _rowstamp(*args: str, cwd: Path) -> Result:
    return run_rowstamp(cwd, *args)


def _uv() -> str:
    found = (
        os.environ.get("UV") or shutil.which("uv") or shutil.which("uv", path=REPO / ".tools/bin")
    )
    if found is None:
        pytest.fail("uv not found: run the tests with `uv run pytest` (or make test)")
    return found


def test_a_checkout_reads_its_own_files() -> None:
    assert checkout_root() == REPO
    assert template_files() == _repository_files()


def test_the_docs_page_links_the_guide_at_the_installed_version() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    url = f"{project['urls']['Repository']}/blob/v{project['version']}/docs/migrations.md"
    page = project_files()[GUIDE_PAGE].decode()
    assert f"\n{url}\n" in page
    assert len(page.splitlines()) < 40, "a link to the guide, not a copy of it"


def test_init_then_the_two_scripts_work_on_sqlite(tmp_path: Path) -> None:
    target = tmp_path / "service"
    done = _rowstamp("init", str(target), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "wrote scripts/migrate" in done.stdout
    written = {p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()}
    assert written == {*_repository_files(), GUIDE_PAGE, ".gitignore"}
    for name, content in _repository_files().items():
        assert (target / name).read_bytes() == content, name
    assert (target / GUIDE_PAGE).read_bytes() == project_files()[GUIDE_PAGE]
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


def test_a_new_project_needs_no_venv_and_ignores_its_dev_database(tmp_path: Path) -> None:
    """Finding 15: the scripts ran only with <project>/.venv/bin/rowstamp and said "run:
    make dev", which a new project does not have; dev.sqlite3 and its lock file showed up
    as untracked files."""
    target = tmp_path / "service"
    (target / ".gitignore").parent.mkdir(parents=True)
    (target / ".gitignore").write_text("__pycache__/\n")
    assert _rowstamp("init", str(target), cwd=tmp_path).returncode == 0
    assert (target / ".gitignore").read_text().startswith("__pycache__/\n")
    project = Project(target, None)  # no .venv: rowstamp from PATH, the development URL
    project.run("./scripts/migrate", "Create users table")
    project.run("./scripts/dev_migrate")
    assert (target / "dev.sqlite3").is_file()
    assert (target / "dev.sqlite3.rowstamp-lock").is_file()
    subprocess.run(["git", "init", "--quiet"], cwd=target, check=True)
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=target,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "sqlite3" not in status and "rowstamp-lock" not in status, status
    assert "alembic/versions/" in status

    missing = project.run("./scripts/migrate", "Add posts", check=False, PATH="/usr/bin:/bin")
    assert missing.returncode == 1
    assert missing.stderr.startswith("scripts/migrate: rowstamp is not installed (no .venv")
    assert "make" not in missing.stderr and len(missing.stderr.splitlines()) == 1


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


def test_the_wheel_carries_the_template_and_init_works_from_it(tmp_path: Path) -> None:
    uv = _uv()
    dist = tmp_path / "dist"
    build = [uv, "build", "--wheel", "--offline", "--quiet", "--out-dir", str(dist)]
    built = subprocess.run(build, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert built.returncode == 0, built.stderr
    (wheel,) = dist.glob("rowstamp-*.whl")
    mine = _repository_files()
    with zipfile.ZipFile(wheel) as archive:
        packed = {
            info.filename.removeprefix("rowstamp/_project/"): info
            for info in archive.infolist()
            if info.filename.startswith("rowstamp/_project/")
        }
        assert sorted(packed) == sorted(mine)
        for name, info in packed.items():
            assert archive.read(info) == mine[name], name
            executable = bool((info.external_attr >> 16) & stat.S_IXUSR)
            assert executable == name.startswith("scripts/"), name

    # A fresh environment holding only the wheel; its dependencies come from this
    # environment's site-packages (as a plain path, so the editable install stays out).
    venv = tmp_path / "venv"
    python = str(venv / "bin" / "python")
    for command in (
        [uv, "venv", "--offline", "--quiet", "--python", sys.executable, str(venv)],
        [uv, "pip", "install", "--offline", "--no-deps", "--quiet", "--python", python, wheel],
    ):
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
    (site,) = venv.glob("lib/python*/site-packages")
    (site / "rowstamp_test_deps.pth").write_text(sysconfig.get_path("purelib") + "\n")

    probe = "import rowstamp.project.template as t; print(t.checkout_root(), t.__file__)"
    where = subprocess.run(
        [python, "-c", probe], cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout.split()
    assert where[0] == "None" and Path(where[1]).is_relative_to(site)

    target = tmp_path / "service"
    init = [str(venv / "bin" / "rowstamp"), "init", str(target)]
    done = subprocess.run(init, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    for name, content in mine.items():
        assert (target / name).read_bytes() == content, name
    assert (target / GUIDE_PAGE).read_bytes() == project_files()[GUIDE_PAGE]
    assert os.access(target / "scripts" / "migrate", os.X_OK)
