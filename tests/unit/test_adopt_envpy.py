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
