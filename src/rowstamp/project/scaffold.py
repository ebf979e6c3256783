"""``rowstamp init``: the guide's project layout, written into a new or existing project.

It writes this repository's own example project (see ``rowstamp.project.template``)
and a short ``docs/migrations.md`` that links the guide at the installed rowstamp
version, instead of copying the guide: a copy would go stale in every project, while a
link to the release tag stays the guide these files were written for. Nothing is
written when any file would be overwritten; ``.gitignore`` only gets the development
database's lines added.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from rowstamp.errors import RowstampError
from rowstamp.project.adopt import gitignore_change
from rowstamp.project.template import template_files

__all__ = ["GUIDE_PAGE", "Scaffold", "guide_url", "project_files", "scaffold"]

GUIDE_PAGE = "docs/migrations.md"
"""The one file a new project gets that is not a repository file: a link to the guide."""

_EXECUTABLE = ("scripts/",)
_DEV_DATABASE = "dev.sqlite3"
"""The development database of ``app/envs/development.env``: git-ignored, with its lock."""
_EMPTY_DIRS = ("alembic/versions",)


@dataclass(frozen=True)
class Scaffold:
    """What ``init`` wrote and what it left alone because it was already identical."""

    root: Path
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


_GUIDE_TEXT = """\
# Database migrations

This project follows the team's database migration guide, as enforced by
rowstamp {version}, which wrote this layout:

{url}

The link points at rowstamp's release tag `v{version}`, so it keeps describing the
commands, settings and files written here even as the guide moves on. After
upgrading rowstamp, read the guide at the new version's tag.

## Quick start

```sh
./scripts/migrate "Add posts table"  # autogenerate alembic/versions/<hash>_add_posts_table.py
./scripts/dev_migrate                # apply it to the development database
rowstamp --help                      # review, lint, check, heads, upgrade, downgrade, ...
```

Models live in `app/models/`, one file each, inheriting `Base` from
`app/db/base.py`. The database URL comes from `app/envs/<ENVIRONMENT>.env`
(`ENVIRONMENT` defaults to development); real environment variables override it.
"""


def guide_url() -> str:
    """The guide at the installed rowstamp's release tag, under its Repository URL.

    Both come from the installed package's metadata (pyproject.toml's ``version`` and
    ``[project.urls]``), so the link always names the version that wrote the project.
    """
    dist = metadata.metadata("rowstamp")
    urls = dict(entry.split(", ", 1) for entry in dist.get_all("Project-URL") or [])
    return f"{urls['Repository']}/blob/v{dist['Version']}/docs/migrations.md"


def project_files() -> dict[str, bytes]:
    """Relative path to content of every file ``init`` writes."""
    page = _GUIDE_TEXT.format(version=metadata.version("rowstamp"), url=guide_url())
    return {**template_files(), GUIDE_PAGE: page.encode()}


def scaffold(target: Path) -> Scaffold:
    """Write the layout into ``target``; refuse, writing nothing, if a file would change."""
    if target.exists() and not target.is_dir():
        raise RowstampError(f"{target} is a file, not a directory", "pass a directory")
    files = project_files()
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
        ignore = gitignore_change(target, _DEV_DATABASE)
        if ignore is not None:
            (target / ignore.path).write_bytes(ignore.after)
            result.written.append(ignore.path)
    except OSError as exc:
        raise RowstampError(
            f"cannot write into {target}: {exc.strerror}", "check the permissions"
        ) from None
    return result
