"""``rowstamp init --adopt``: rowstamp added to an existing Alembic project, nothing replaced.

The project keeps its ``alembic.ini`` (options, version locations), its ``env.py``
(hooks, imports, logging) and its history. Adoption adds, as a plan shown before
anything is written:

- ``[rowstamp]`` in alembic.ini: the settings loader, and ``baseline``, the history's
  head before adoption (revisions up to it are the project's own);
- ``<package>/rowstamp_settings.py`` and ``<package>/envs/*.env``: rowstamp's settings,
  the development URL taken from alembic.ini's ``sqlalchemy.url``;
- three edits to env.py (``rowstamp.runtime.adopted``): one import, the connection
  from ``adopted.connect()``, and ``context.configure(**adopted.options(...))``;
- ``scripts/migrate`` and ``scripts/dev_migrate``, and ``.gitignore`` entries.
"""

from __future__ import annotations

import ast
import difflib
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from rowstamp.errors import RowstampError
from rowstamp.project.envpy import patch_env
from rowstamp.project.template import template_files

__all__ = ["Adoption", "Change", "apply", "gitignore_change", "plan"]

_PLACEHOLDER_URL = "driver://user:pass@localhost/dbname"
"""``alembic init``'s sqlalchemy.url: no database at all."""
_DEFAULT_URL = "sqlite:///dev.sqlite3"
_SCRIPTS = ("scripts/migrate", "scripts/dev_migrate")
_ENVS = ("production.env", "test.env")
_MANUAL = "docs/adopting.md"

_SETTINGS_MODULE = '''\
"""rowstamp's settings (ENVIRONMENT, DATABASE_URL, DATABASE_TIMESTAMP_UTC), written by
rowstamp init --adopt: envs/<ENVIRONMENT>.env next to this file, then real environment
variables."""

from __future__ import annotations

from pathlib import Path

from rowstamp.settings import RowstampSettings, settings_loader

PACKAGE_DIR = Path(__file__).resolve().parent


class Settings(RowstampSettings):
    """rowstamp's settings for this project's migrations."""


get_settings = settings_loader(Settings, PACKAGE_DIR / "envs", project_root=PACKAGE_DIR{up})
'''

_DEVELOPMENT_ENV = """\
# Local development database (rowstamp init --adopt took it from alembic.ini's
# sqlalchemy.url). Real environment variables, DATABASE_URL included, override it.
DATABASE_URL={url}
"""


@dataclass(frozen=True)
class Change:
    """One file adoption writes: ``before`` is None for a new file."""

    path: str
    before: bytes | None
    after: bytes

    def diff(self) -> str:
        """A unified diff, as ``git diff`` would show the change."""
        old = [] if self.before is None else self.before.decode().splitlines(keepends=True)
        new = self.after.decode().splitlines(keepends=True)
        source = "/dev/null" if self.before is None else f"a/{self.path}"
        return "".join(difflib.unified_diff(old, new, source, f"b/{self.path}"))


@dataclass(frozen=True)
class Adoption:
    """What adopting ``root`` writes; nothing is written until ``apply``."""

    root: Path
    package: str
    baseline: str | None
    changes: tuple[Change, ...]
    notes: tuple[str, ...] = ()
    """What the user must do by hand after writing (shown with the plan)."""


def plan(root: Path, package: str | None = None, ini: Path | None = None) -> Adoption:
    """Work out every change adoption makes in ``root``; raise, writing nothing, if it cannot.

    ``ini`` is the project's Alembic configuration when it is not ``root/alembic.ini``
    (``rowstamp --config``): the scripts then pass it on."""
    given = ini is not None
    ini = ini if ini is not None else root / "alembic.ini"
    if not ini.is_file():
        where = ini if given else f"alembic.ini in {root}"
        raise RowstampError(
            f"no {where}: --adopt is for an existing Alembic project",
            "run it in the project root (or name the file with --config), or run "
            "rowstamp init without --adopt for a new one",
        )
    ini_rel = _relative(ini, root)
    config = Config(str(ini))
    baseline = _baseline(config)
    env_path = Path(ScriptDirectory.from_config(config).dir) / "env.py"
    if not env_path.is_file():
        raise RowstampError(
            f"no env.py in {env_path.parent} (alembic.ini's script_location)",
            "restore it, or write one as docs/adopting.md ('Keeping your own env.py') shows",
        )
    package_dir = _package_dir(root, package, env_path)
    name = package_dir.name
    files = template_files()
    url = _development_url(config, root)
    wanted: dict[str, bytes] = {
        ini_rel: _with_rowstamp_section(
            ini.read_text(encoding="utf-8"), f"{name}.rowstamp_settings:get_settings", baseline
        ).encode(),
        _relative(env_path, root): patch_env(env_path.read_text(encoding="utf-8")).encode(),
        **{script: _with_config(files[script], ini_rel) for script in _SCRIPTS},
    }
    package_rel = Path(os.path.relpath(package_dir.resolve(), root.resolve())).as_posix()
    up = _path_expression(Path(os.path.relpath(root.resolve(), package_dir.resolve())))
    wanted[f"{package_rel}/rowstamp_settings.py"] = _SETTINGS_MODULE.format(up=up).encode()
    wanted[f"{package_rel}/envs/development.env"] = _DEVELOPMENT_ENV.format(url=url).encode()
    for env in _ENVS:
        wanted[f"{package_rel}/envs/{env}"] = files[f"app/envs/{env}"]
    changes = [
        change
        for path, content in wanted.items()
        if (change := _change(root, path, content, editable=path in (ini_rel, ".gitignore")))
    ]
    ignore = gitignore_change(root, _sqlite_file(url))
    if ignore is not None:
        changes.append(ignore)
    return Adoption(root, name, baseline, tuple(changes), _notes(env_path, package_rel))


def apply(adoption: Adoption) -> None:
    """Write the planned changes (scripts executable)."""
    try:
        for change in adoption.changes:
            path = adoption.root / change.path
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(change.after)
            if change.path in _SCRIPTS:
                path.chmod(0o755)
    except OSError as exc:
        raise RowstampError(
            f"cannot write into {adoption.root}: {exc.strerror}", "check the permissions"
        ) from None


def gitignore_change(root: Path, database: str | None) -> Change | None:
    """``.gitignore`` with the development SQLite database and its lock file added, or
    None when it already ignores them (or the database is not a file in ``root``)."""
    if database is None:
        return None
    path = root / ".gitignore"
    before = path.read_bytes() if path.is_file() else None
    text = "" if before is None else before.decode()
    present = {line.strip() for line in text.splitlines()}
    entries = [f"/{database}", f"/{database}-*", f"/{database}.rowstamp-lock"]
    missing = [entry for entry in entries if entry not in present]
    if not missing:
        return None
    if text and not text.endswith("\n"):
        text += "\n"
    block = "# rowstamp: the development database, its journals and its migration lock file\n"
    return Change(".gitignore", before, (text + block + "\n".join(missing) + "\n").encode())


_OWN_URL_SOURCES = ("os.environ", "getenv", "set_main_option", "get_x_argument")


def _notes(env_path: Path, package: str) -> tuple[str, ...]:
    """What changes for deploys: rowstamp's settings decide the URL from now on, also
    for an env.py that found it itself."""
    text = env_path.read_text(encoding="utf-8")
    found = [source for source in _OWN_URL_SOURCES if source in text]
    own = f"env.py reads settings itself ({', '.join(found)}); " if found else ""
    return (
        f"{own}from now on the database URL is DATABASE_URL, else "
        f"{package}/envs/<ENVIRONMENT>.env (ENVIRONMENT defaults to development), not "
        "alembic.ini's sqlalchemy.url: make every deploy set DATABASE_URL (and "
        "ENVIRONMENT=production where backups and confirmations apply)",
    )


def _with_config(script: bytes, ini: str) -> bytes:
    """A script running ``rowstamp`` with ``--config ini`` unless it is ./alembic.ini."""
    if ini == "alembic.ini":
        return script
    return script.replace(b'exec "$rowstamp" ', f'exec "$rowstamp" --config {ini} '.encode())


def _change(root: Path, path: str, content: bytes, *, editable: bool) -> Change | None:
    target = root / path
    if not target.exists():
        return Change(path, None, content)
    before = target.read_bytes()
    if before == content:
        return None
    if editable or path.endswith("env.py"):
        return Change(path, before, content)
    raise RowstampError(
        f"{path} exists and differs from what adoption writes",
        "nothing was written; move it aside (or merge it by hand) and run init --adopt again",
    )


def _baseline(config: Config) -> str | None:
    """The history's one head: the last revision written before rowstamp.

    Revision files may import the project, so they are read with alembic.ini's
    ``prepend_sys_path`` on ``sys.path``, as Alembic's own commands read them."""
    saved = list(sys.path)
    sys.path[:0] = [p for p in config.get_prepend_sys_paths_list() or [] if p not in sys.path]
    try:
        heads = ScriptDirectory.from_config(config).get_heads()
    except CommandError as exc:
        raise RowstampError(f"cannot read the Alembic history: {exc}", "fix it first") from None
    finally:
        sys.path[:] = saved
    if len(heads) > 1:
        raise RowstampError(
            f"the history has {len(heads)} heads ({', '.join(sorted(heads))})",
            "merge them first (alembic merge heads), then run init --adopt again",
        )
    return heads[0] if heads else None


def _with_rowstamp_section(text: str, settings: str, baseline: str | None) -> str:
    """alembic.ini's text with ``[rowstamp]`` added; every other line kept as it is."""
    lines = text.splitlines(keepends=True)
    wanted = [f"settings = {settings}\n"]
    if baseline is not None:
        wanted.append(f"baseline = {baseline}\n")
    header = next((i for i, line in enumerate(lines) if line.strip() == "[rowstamp]"), None)
    if header is None:
        if text and not text.endswith("\n"):
            text += "\n"
        section = "\n# rowstamp (rowstamp init --adopt): its settings loader, and baseline, the\n"
        section += "# last revision written before rowstamp; revisions up to it are this\n"
        section += "# project's own history.\n[rowstamp]\n"
        return text + section + "".join(wanted)
    end = next(
        (i for i in range(header + 1, len(lines)) if lines[i].lstrip().startswith("[")), len(lines)
    )
    present = {line.split("=", 1)[0].strip() for line in lines[header + 1 : end] if "=" in line}
    added = [line for line in wanted if line.split("=", 1)[0].strip() not in present]
    return "".join([*lines[: header + 1], *added, *lines[header + 1 :]])


def _package_dir(root: Path, package: str | None, env_path: Path) -> Path:
    """The project's package: ``--package``, else the first package env.py imports.

    It is in ``root`` or ``root/src``, or holds ``root`` (a library that keeps its
    alembic.ini inside the package, as mlflow and optuna do)."""
    candidates = [package] if package else _imported_roots(env_path)
    here = root.resolve()
    for name in candidates:
        for base in (here, here / "src", *here.parents):
            found = base / name
            if (found / "__init__.py").is_file() and (
                base in (here, here / "src") or here.is_relative_to(found)
            ):
                return found
    if package:
        raise RowstampError(
            f"no package {package} in {root}, in {root / 'src'} or around it "
            f"(no {package}/__init__.py)",
            "pass the directory name of the project's Python package to --package",
        )
    raise RowstampError(
        f"cannot tell the project's package from {env_path.name}'s imports",
        "name it: rowstamp init --adopt --package <name>",
    )


def _path_expression(relative: Path) -> str:
    """``PACKAGE_DIR``'s way to the project root: ``.parent`` per ``..``, else ``/ "x"``."""
    return "".join(".parent" if part == ".." else f' / "{part}"' for part in relative.parts)


def _imported_roots(env_path: Path) -> list[str]:
    try:
        tree = ast.parse(env_path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError):
        return []
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            names.extend(alias.name.split(".")[0] for alias in node.names)
    return [n for n in dict.fromkeys(names) if n not in {"alembic", "sqlalchemy", "logging"}]


def _development_url(config: Config, root: Path) -> str:
    """alembic.ini's ``sqlalchemy.url``, a SQLite path in ``root`` made relative to it."""
    raw = config.get_main_option("sqlalchemy.url")
    if not raw or raw == _PLACEHOLDER_URL:
        return _DEFAULT_URL
    try:
        url = make_url(raw)
    except ArgumentError:
        return _DEFAULT_URL
    database = url.database
    if url.get_backend_name() == "sqlite" and database and Path(database).is_absolute():
        path = Path(database).resolve()
        if path.is_relative_to(root.resolve()):
            return f"sqlite:///{path.relative_to(root.resolve()).as_posix()}"
    return raw


def _sqlite_file(url: str) -> str | None:
    """The relative file of a SQLite URL, else None."""
    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    if database.startswith("file:") or Path(database).is_absolute():
        return None
    return Path(database).as_posix()


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        raise RowstampError(
            f"{path} is outside the project {root}",
            f"adopt by hand, as {_MANUAL} describes",
        ) from None
