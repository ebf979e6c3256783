"""rowstamp's migration checks as pytest tests, for a project's own suite.

``from rowstamp.testing.tests import *`` in a test module collects them; they use
the fixtures of ``rowstamp.testing.plugin`` (loaded automatically once rowstamp is
installed). A failure's message is the same line ``rowstamp test`` prints, and a
check named in alembic.ini's ``[rowstamp] test_skip`` is skipped.
"""

from __future__ import annotations

import pytest
from alembic.config import Config

from rowstamp.testing.base import CheckFailed, MigrationRun
from rowstamp.testing.check_settings import CheckSettings
from rowstamp.testing.clean_downgrade import check_clean_downgrade
from rowstamp.testing.data_tests import check_data_tests
from rowstamp.testing.message_rules import check_message_rules
from rowstamp.testing.metadata_contract import check_metadata_contract
from rowstamp.testing.model_match import check_model_match
from rowstamp.testing.round_trip import check_round_trip
from rowstamp.testing.single_head import check_single_head
from rowstamp.testing.stairway import check_stairway

__all__ = [
    "test_rowstamp_clean_downgrade",
    "test_rowstamp_data_tests",
    "test_rowstamp_message_rules",
    "test_rowstamp_metadata_contract",
    "test_rowstamp_model_match",
    "test_rowstamp_round_trip",
    "test_rowstamp_single_head",
    "test_rowstamp_stairway",
]


def _expect_pass(name: str, config: Config, check: object, *args: object) -> None:
    skipped = CheckSettings.of(config).skipped(name)
    if skipped:
        pytest.skip(skipped)
    try:
        check(*args)  # type: ignore[operator]
    except CheckFailed as exc:
        pytest.fail(str(exc), pytrace=False)


def test_rowstamp_single_head(rowstamp_config: Config) -> None:
    """The history has one head."""
    _expect_pass("single head", rowstamp_config, check_single_head, rowstamp_config)


def test_rowstamp_message_rules(rowstamp_config: Config) -> None:
    """Every revision's message (after ``[rowstamp] baseline``) follows the message rules."""
    _expect_pass("message rules", rowstamp_config, check_message_rules, rowstamp_config)


def test_rowstamp_model_match(rowstamp_run: MigrationRun) -> None:
    """At head, autogenerate (triggers included) finds nothing to do."""
    _expect_pass("model match", rowstamp_run.config, check_model_match, rowstamp_run)


def test_rowstamp_metadata_contract(rowstamp_run: MigrationRun) -> None:
    """Every model table has the five columns and a trigger that fires."""
    rowstamp_run.upgrade("head")
    _expect_pass("metadata contract", rowstamp_run.config, check_metadata_contract, rowstamp_run)


def test_rowstamp_stairway(rowstamp_run: MigrationRun) -> None:
    """Each revision: up, down (back to the same catalog), up."""
    _expect_pass("stairway", rowstamp_run.config, check_stairway, rowstamp_run)


def test_rowstamp_round_trip(rowstamp_run: MigrationRun) -> None:
    """From head down: downgrade then upgrade gives back the same catalog."""
    _expect_pass("round trip", rowstamp_run.config, check_round_trip, rowstamp_run)


def test_rowstamp_clean_downgrade(
    rowstamp_run: MigrationRun, rowstamp_empty_catalog: set[tuple[str, str]]
) -> None:
    """Upgrade to head, downgrade to base: the database is empty again."""
    rowstamp_run.upgrade("head")
    _expect_pass(
        "clean downgrade",
        rowstamp_run.config,
        check_clean_downgrade,
        rowstamp_run,
        rowstamp_empty_catalog,
    )


def test_rowstamp_data_tests(rowstamp_run: MigrationRun) -> None:
    """Each migration's ``rowstamp_seed``/``rowstamp_check`` around its upgrade."""
    _expect_pass("data tests", rowstamp_run.config, check_data_tests, rowstamp_run)
