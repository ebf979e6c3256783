"""A throw-away copy of this repository's project layout, driven like a user would.

Commands run as subprocesses (the real ``alembic`` and ``scripts/``) with
``DATABASE_URL`` pointing at a scratch database.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from sqlalchemy.engine import URL

from rowstamp.testing.servers import TEST_PASSWORD
from tests.helpers import BIN

REPO = Path(__file__).resolve().parent.parent
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
    def copy(cls, target: Path, url: URL | None) -> Project:
        for name in _COPIED:
            source = REPO / name
            if source.is_dir():
                shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                (target / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target / name)
        (target / "alembic" / "versions").mkdir(exist_ok=True)
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

    def run(self, *args: str, check: bool = True, **env: str) -> Result:
        done = subprocess.run(
            list(args), cwd=self.root, env=self.env(**env), capture_output=True, text=True,
            timeout=300,
        )  # fmt: skip
        result = Result(done.returncode, done.stdout, done.stderr)
        assert TEST_PASSWORD not in result.output, "a password reached the output"
        assert quote(TEST_PASSWORD, safe="") not in result.output, "an encoded password leaked"
        if check:
            assert result.returncode == 0, result.output
        return result

    def alembic(self, *args: str, check: bool = True, **env: str) -> Result:
        return self.run("alembic", *args, check=check, **env)

    def versions(self) -> list[Path]:
        return sorted((self.root / "alembic" / "versions").glob("*.py"))

    def add_model(self, name: str, source: str) -> None:
        (self.root / "app" / "models" / f"{name}.py").write_text(source, encoding="utf-8")


def migration_body(path: Path) -> str:
    """The upgrade() and downgrade() bodies of a migration file, without its header."""
    text = path.read_text(encoding="utf-8")
    return text[text.index("def upgrade()") :]
