"""Where ``rowstamp init``'s project template lives: this repository's own example project.

The template is the repository's ``app/``, ``alembic.ini``, ``alembic/env.py``,
``alembic/script.py.mako`` and ``scripts/``: the very files ``make dev`` and the tests
run, so what ``init`` writes cannot drift from a project known to work. There is no
second copy: a wheel carries them under ``rowstamp/_project/`` (``hatch_build.py``
maps them at build time), and a source checkout or an editable
install reads the checkout itself.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from rowstamp.errors import RowstampError

__all__ = ["PACKAGED", "TEMPLATE_PATHS", "checkout_root", "template_files"]

TEMPLATE_PATHS = ("alembic.ini", "alembic/env.py", "alembic/script.py.mako", "app", "scripts")
"""The repository paths that make up the template (directories are taken whole)."""

PACKAGED = "_project"
"""The template's folder inside the installed ``rowstamp`` package of a wheel."""


def _names_rowstamp(pyproject: Path) -> bool:
    try:
        project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False
    return isinstance(project, dict) and project.get("name") == "rowstamp"


def checkout_root() -> Path | None:
    """The source checkout this rowstamp is imported from, when it holds the template.

    That is ``<root>/src/rowstamp`` with ``<root>/pyproject.toml`` naming rowstamp and
    every template path present; anything else (a wheel in site-packages) is not one.
    """
    package = Path(__file__).resolve().parent.parent
    root = package.parent.parent
    if package.parent.name != "src" or not _names_rowstamp(root / "pyproject.toml"):
        return None
    if not all((root / path).exists() for path in TEMPLATE_PATHS):
        return None
    return root


def _template_root() -> Traversable:
    root = checkout_root()
    if root is not None:
        return root
    packaged = resources.files("rowstamp") / PACKAGED
    if not packaged.is_dir():
        raise RowstampError(
            "this rowstamp installation holds no project template",
            "reinstall rowstamp from its wheel, or run it from a source checkout",
        )
    return packaged


def _walk(node: Traversable, name: str) -> dict[str, bytes]:
    if node.is_file():
        return {name: node.read_bytes()}
    files: dict[str, bytes] = {}
    for child in node.iterdir():
        if child.name != "__pycache__":
            files.update(_walk(child, f"{name}/{child.name}"))
    return files


def template_files() -> dict[str, bytes]:
    """Relative path to content of every template file, from the checkout or the wheel."""
    root = _template_root()
    files: dict[str, bytes] = {}
    for path in TEMPLATE_PATHS:
        node = root
        for part in path.split("/"):
            node = node / part
        files.update(_walk(node, path))
    return files
