"""``rowstamp init``: the guide's project layout, written into a new or existing project.

The templates are this repository's own ``app/``, ``alembic.ini``, ``alembic/``,
``scripts/`` and ``docs/migrations.md``, stored with a ``.tmpl`` suffix so no
tool mistakes them for rowstamp's own modules; a test keeps them identical to
the originals. Nothing is written when any file would be overwritten.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from rowstamp.errors import RowstampError

__all__ = ["SUFFIX", "Scaffold", "scaffold", "template_files"]

SUFFIX = ".tmpl"
_EXECUTABLE = ("scripts/",)
_EMPTY_DIRS = ("alembic/versions",)


@dataclass(frozen=True)
class Scaffold:
    """What ``init`` wrote and what it left alone because it was already identical."""

    root: Path
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def _walk(node: Traversable, prefix: str = "") -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for child in node.iterdir():
        name = f"{prefix}{child.name}"
        if child.is_dir():
            if child.name != "__pycache__":
                files.update(_walk(child, f"{name}/"))
        elif child.name.endswith(SUFFIX):
            files[name.removesuffix(SUFFIX)] = child.read_bytes()
    return files


def template_files() -> dict[str, bytes]:
    """Relative path to content of every file ``init`` writes."""
    return _walk(resources.files("rowstamp") / "templates" / "project")


def scaffold(target: Path) -> Scaffold:
    """Write the layout into ``target``; refuse, writing nothing, if a file would change."""
    if target.exists() and not target.is_dir():
        raise RowstampError(f"{target} is a file, not a directory", "pass a directory")
    files = template_files()
    conflicts = [
        name
        for name, content in files.items()
        if (target / name).exists() and (target / name).read_bytes() != content
    ]
    if conflicts:
        shown = ", ".join(sorted(conflicts)[:4]) + (" ..." if len(conflicts) > 4 else "")
        raise RowstampError(
            f"{len(conflicts)} file(s) in {target} differ from the layout: {shown}",
            "nothing was written; move them aside (or merge them by hand) and run init again",
        )
    result = Scaffold(target)
    try:
        for name, content in sorted(files.items()):
            path = target / name
            if path.exists():
                result.unchanged.append(name)
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
            if name.startswith(_EXECUTABLE):
                path.chmod(0o755)
            result.written.append(name)
        for directory in _EMPTY_DIRS:
            (target / directory).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RowstampError(
            f"cannot write into {target}: {exc.strerror}", "check the permissions"
        ) from None
    return result
