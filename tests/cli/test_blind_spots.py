"""What autogenerate cannot see (a server default added to a model) is told, not lost."""

from __future__ import annotations

from tests.project import Project

TICKETS = """
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base


class Ticket(Base):
    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(20){default})
{extra}"""


def test_server_default_change_is_reported(db_project: Project) -> None:
    project = db_project
    project.run("rowstamp", "upgrade", "--no-report")
    project.add_model("ticket", TICKETS.format(default="", extra=""))
    project.run("rowstamp", "new", "Add tickets table")
    project.run("rowstamp", "upgrade", "--no-report")

    # Only the default changed: autogenerate writes nothing, and the error says why.
    project.add_model("ticket", TICKETS.format(default=', server_default="open"', extra=""))
    before = project.versions()
    result = project.run("rowstamp", "new", "Default ticket status to open", check=False)
    assert result.returncode == 1
    assert result.stderr.startswith("rowstamp: error: autogenerate wrote nothing, but it cannot")
    assert "tickets.status: only the model has a server default" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert project.versions() == before

    # `rowstamp check` runs the same comparator and reports the same difference.
    check = project.run("rowstamp", "check", check=False)
    assert check.returncode == 1
    assert "tickets.status: only the model has a server default" in check.stdout + check.stderr

    # Plain `alembic revision --autogenerate` runs the same comparator and says the same.
    plain = project.run("alembic", "revision", "--autogenerate", "-m", "Default ticket status")
    assert "[rowstamp] tickets.status: only the model has a server default" in plain.stderr
    for path in set(project.versions()) - set(before):
        path.unlink()

    # With a visible change as well, the migration is written and the blind spot flagged.
    extra = "    title: Mapped[str | None] = mapped_column(String(100))\n"
    project.add_model("ticket", TICKETS.format(default=', server_default="open"', extra=extra))
    out = project.run("rowstamp", "new", "Add ticket title").stdout
    assert "add column title VARCHAR(100) NULL" in out
    assert "warning autogenerate-blind-spot: tickets.status: only the model has a server" in out
    assert out.count("autogenerate-blind-spot") == 1, out  # no false alarms on other columns
