"""The env.py edits of ``rowstamp init --adopt``: found by ``ast``, applied to the text."""

from __future__ import annotations

from rowstamp.project.envpy import IMPORT_LINE, patch_env

ENV = """\
import logging.config

from alembic import context

from shop.db import metadata

logging.config.fileConfig(context.config.config_file_name)
label = "café"; context.configure(url="sqlite://", target_metadata=metadata)  # Überblick


def online(engine):
    with engine.connect() as conn, open("x") as f:
        context.configure(connection=conn, target_metadata=metadata,
                          compare_type=True)
"""


def test_edits_are_exact_next_to_non_ascii_text() -> None:
    """Column offsets from ``ast`` count UTF-8 bytes: a line with "é" before the call
    must still be edited at the right place."""
    assert patch_env(ENV) == (
        "import logging.config\n\nfrom alembic import context\n\nfrom shop.db import metadata\n"
        + IMPORT_LINE
        + "\nadopted.file_config(context.config.config_file_name)\n"
        'label = "café"; context.configure(**adopted.options(url="sqlite://", '
        "target_metadata=metadata))  # Überblick\n\n\n"
        "def online(engine):\n"
        '    with adopted.connect() as conn, open("x") as f:\n'
        "        context.configure(**adopted.options(connection=conn, target_metadata=metadata,\n"
        "                          compare_type=True))\n"
    )


def test_an_adopted_env_py_is_left_alone() -> None:
    once = patch_env(ENV)
    assert patch_env(once) == once
    compile(once, "env.py", "exec")


LIBRARY_ENV = """\
from logging.config import fileConfig

from sqlalchemy import engine_from_config, pool

from alembic import context

config = context.config
fileConfig(config.config_file_name, disable_existing_loggers=False)

from lib.models import Base  # noqa: E402

target_metadata = Base.metadata


def run_migrations_online():
    connection = config.attributes.get("connection")
    if connection is None:
        engine = engine_from_config(
            config.get_section(config.config_ini_section), prefix="sqlalchemy."
        )
    else:
        engine = connection.engine
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
"""


def test_a_library_env_py_imports_first_and_builds_no_engine() -> None:
    """The import goes before the first use (models imported after fileConfig, as mlflow
    does), and the engine only the replaced connect() used is no longer built from
    alembic.ini's URL, which such a library leaves empty."""
    patched = patch_env(LIBRARY_ENV)
    assert patched.index(IMPORT_LINE) < patched.index("adopted.file_config(")
    assert patched.index(IMPORT_LINE) == patched.index("from alembic import context\n") + len(
        "from alembic import context\n"
    )
    assert "        engine = None  # rowstamp: adopted.connect() connects\n" in patched
    assert "engine_from_config(\n" not in patched
    assert "        engine = connection.engine\n" in patched
    assert "    with adopted.connect() as connection:\n" in patched
    compile(patched, "env.py", "exec")


def test_an_engine_used_elsewhere_is_kept() -> None:
    source = LIBRARY_ENV + "    engine.dispose()\n"
    assert "engine = engine_from_config(\n" in patch_env(source)
