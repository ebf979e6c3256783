"""A model column of a custom ``TypeDecorator`` gives a migration that runs (issue 15 item 8).

Alembic renders such a type as ``app.models.secret.Encrypted(length=100)`` with no
import, so the migration raised NameError when applied. rowstamp renders the
decorator's ``impl``, the type the database stores.
"""

from __future__ import annotations

from tests.project import Project, migration_body

SECRET = '''"""A model whose column type is a project's own TypeDecorator."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from app.db.base import Base


class Encrypted(TypeDecorator[str]):
    impl = String(100)
    cache_ok = True

    def __init__(self) -> None:
        super().__init__()

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        return value


class Secret(Base):
    __tablename__ = "secrets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[str] = mapped_column(Encrypted())
'''


def test_type_decorator_is_rendered_as_its_impl(db_project: Project) -> None:
    project = db_project
    project.run("rowstamp", "upgrade", "--no-report")
    project.add_model("secret", SECRET)
    result = project.run("rowstamp", "new", "Add secrets table")
    assert "upgrade() runs no operation" not in result.output
    assert "create table (" in result.stdout
    [path] = [p for p in project.versions() if "add_secrets_table" in p.name]
    body = migration_body(path)
    assert "sa.Column('value', sa.String(length=100), nullable=False)" in body, body
    assert "app.models" not in path.read_text(encoding="utf-8")
    project.run("rowstamp", "upgrade", "--no-report")
    project.run("rowstamp", "check")
