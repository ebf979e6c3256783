"""A throw-away copy of this repository's project layout, driven like a user would.

``scripts/`` run as subprocesses; ``rowstamp`` and ``alembic`` run in this process
through their console scripts' functions in Typer's ``CliRunner`` isolation (a
subprocess costs about a second of imports), unless the test asks for a real process.
Either way ``DATABASE_URL`` points at a scratch database and the command sees exactly
the environment a subprocess would.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import quote

from sqlalchemy.engine import URL

from rowstamp.testing.servers import TEST_PASSWORD
from tests.helpers import BIN

REPO = Path(__file__).resolve().parent.parent
PROJECTS = REPO / "tests" / "projects"
"""Scenario projects and the pieces they are built from."""
FIRST = next((REPO / "alembic" / "versions").glob("*_create_users_table.py"))
"""The committed first migration (the users table): the history scenarios start from."""
FIRST_ID = FIRST.name.partition("_")[0]
POSTS = (PROJECTS / "models" / "post.py").read_text(encoding="utf-8")
"""The posts model the guide adds after users (a foreign key to users)."""
POSTS_WITHOUT_AUTHOR = (PROJECTS / "models" / "post_without_author.py").read_text(encoding="utf-8")
"""A posts model on its own, no foreign key."""
_COPIED = ["alembic.ini", "alembic/env.py", "alembic/script.py.mako", "app", "scripts"]


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@dataclass
class Project:
    root: Path
    url: URL | None

    @classmethod
    def copy(cls, target: Path, url: URL | None, *, history: bool = False) -> Project:
        """Copy the project layout into ``target``; ``history`` adds the ``FIRST`` migration."""
        for name in _COPIED:
            source = REPO / name
            if source.is_dir():
                shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                (target / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target / name)
        (target / "alembic" / "versions").mkdir(exist_ok=True)
        if history:
            shutil.copy2(FIRST, target / "alembic" / "versions" / FIRST.name)
        (target / ".venv").symlink_to(sys.prefix)  # what scripts/ run: this environment
        return cls(target, url)

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in {"ENVIRONMENT", "DATABASE_URL"}}
        env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
        env.pop("VIRTUAL_ENV", None)
        if self.url is not None:
            env["DATABASE_URL"] = self.url.render_as_string(hide_password=False)
        env.update(extra)
        return env

    def run(self, *args: str, check: bool = True, process: bool = False, **env: str) -> Result:
        """Run a command in the project; ``rowstamp`` and ``alembic`` in-process unless
        ``process``."""
        if args[0] in _IN_PROCESS and not process:
            result = _in_process(self.root, args, self.env(**env))
        else:
            done = subprocess.run(
                list(args),
                cwd=self.root,
                env=self.env(**env),
                capture_output=True,
                text=True,
                timeout=300,
            )
            result = Result(done.returncode, done.stdout, done.stderr)
        assert TEST_PASSWORD not in result.output, "a password reached the output"
        assert quote(TEST_PASSWORD, safe="") not in result.output, "an encoded password leaked"
        if check:
            assert result.returncode == 0, result.output
        return result

    def alembic(self, *args: str, check: bool = True, process: bool = False, **env: str) -> Result:
        return self.run("alembic", *args, check=check, process=process, **env)

    @contextmanager
    def process_state(self) -> Iterator[None]:
        """This process as a command of the project sees it (its own ``app`` package):
        for calling rowstamp's library functions on the project in-process."""
        with _process_state(self.root, self.env()):
            yield

    def versions(self) -> list[Path]:
        return sorted((self.root / "alembic" / "versions").glob("*.py"))

    def add_model(self, name: str, source: str) -> None:
        (self.root / "app" / "models" / f"{name}.py").write_text(source, encoding="utf-8")


def scenario_project(
    tmp_path: Path, *migrations: tuple[str, str | None, str, str], widget: str = ""
) -> Project:
    """A project copy with ``FIRST`` and ``migrations``, each (revision, down_revision,
    message, body) under ``projects/migration_checks/header.py.txt``; ``widget`` is the
    source of an added model."""
    project = Project.copy(tmp_path / "project", None, history=True)
    versions = project.root / "alembic" / "versions"
    header = (PROJECTS / "migration_checks" / "header.py.txt").read_text(encoding="utf-8")
    for revision, down, message, body in migrations:
        text = (
            header.replace("@MESSAGE@", message)
            .replace("@REVISION_REPR@", repr(revision))
            .replace("@DOWN_REPR@", repr(down))
            .replace("@REVISION@", revision)
            .replace("@DOWN@", str(down))
        )
        text += "\n\n" + body
        (versions / f"{revision}_scenario.py").write_text(text, encoding="utf-8")
    if widget:
        project.add_model("widget", widget)
    return project


def widget_model(extra: str = "") -> str:
    """The widget model of the migration-check scenarios, ``extra`` lines added."""
    return (PROJECTS / "migration_checks" / "widget_model.py.txt").read_text("utf-8") + extra


def rowstamp_test(project: Project, engine: str, servers: dict[str, URL]) -> Result:
    """``rowstamp test --engine`` making its scratch databases on this run's servers."""
    env = {
        f"TEST_{name.upper()}_URL": url.render_as_string(hide_password=False)
        for name, url in servers.items()
    }
    return project.run("rowstamp", "test", "--engine", engine, check=False, **env)


def run_rowstamp(cwd: Path, *args: str) -> Result:
    """``rowstamp *args`` in ``cwd``, in-process, with this process's environment."""
    return _in_process(cwd, ("rowstamp", *args), dict(os.environ))


def _rowstamp(args: list[str]) -> None:
    from rowstamp.cli import main

    main(args)


def _alembic(args: list[str]) -> None:
    from alembic.config import CommandLine, Config

    class _CommandLine(CommandLine):
        def run_cmd(self, config: Config, options: Any) -> None:
            config.stdout = sys.stdout  # Config's default is the sys.stdout of import time
            super().run_cmd(config, options)

    _CommandLine(prog="alembic").main(args)


_IN_PROCESS = {"rowstamp": _rowstamp, "alembic": _alembic}
"""Commands run through their console script's function, as the script runs them."""


def _in_process(root: Path, args: tuple[str, ...], env: Mapping[str, str]) -> Result:
    """``args`` (``rowstamp ...`` or ``alembic ...``) through the console script's
    function, in this process; the exit code is what a process would return."""
    from typer.testing import CliRunner

    code = 0
    with _process_state(root, env), CliRunner().isolation() as (stdout, stderr, _):
        try:
            _IN_PROCESS[args[0]](list(args[1:]))
        except SystemExit as exc:
            code = (exc.code if isinstance(exc.code, int) else 1) & 0xFF  # Alembic exits -1
        except Exception:
            sys.stderr.write(traceback.format_exc())  # as the interpreter prints it
            code = 1
        sys.stdout.flush()
        sys.stderr.flush()
        return Result(code, stdout.getvalue().decode(), stderr.getvalue().decode())


@contextmanager
def _process_state(root: Path, env: Mapping[str, str]) -> Iterator[None]:
    """What a new process would have fresh, and what a command changes in this one:
    ``os.environ``, the working directory, ``sys.path`` (alembic.ini's
    ``prepend_sys_path``), the project's ``app`` package in ``sys.modules`` (its cached
    settings; each scenario project has its own), ``tempfile``'s cached ``TMPDIR``, and
    logging: no handler on the root logger, so warnings reach stderr through
    ``logging.lastResort`` as in a new process, not pytest's log capture.
    Set for the command, restored afterwards, whatever happens."""
    saved_env, saved_path, saved_cwd = dict(os.environ), list(sys.path), os.getcwd()
    saved_tempdir = tempfile.tempdir
    saved_app = _pop_app_modules()
    root_logger = logging.getLogger()
    saved_handlers, saved_level = list(root_logger.handlers), root_logger.level
    loggers = [
        lg for lg in logging.Logger.manager.loggerDict.values() if isinstance(lg, logging.Logger)
    ]
    saved_disabled = {lg: lg.disabled for lg in loggers}
    os.environ.clear()
    os.environ.update(env)
    os.chdir(root)
    tempfile.tempdir = None
    root_logger.handlers.clear()
    root_logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        root_logger.handlers[:] = saved_handlers
        root_logger.setLevel(saved_level)
        for lg, disabled in saved_disabled.items():
            lg.disabled = disabled
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
        sys.path[:] = saved_path
        tempfile.tempdir = saved_tempdir
        _pop_app_modules()
        sys.modules.update(saved_app)


def _pop_app_modules() -> dict[str, ModuleType]:
    names = [name for name in sys.modules if name == "app" or name.startswith("app.")]
    return {name: sys.modules.pop(name) for name in names}


def migration_body(path: Path) -> str:
    """The upgrade() and downgrade() bodies of a migration file, without its header."""
    text = path.read_text(encoding="utf-8")
    return text[text.index("def upgrade()") :]
