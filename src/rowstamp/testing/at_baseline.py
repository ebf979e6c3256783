"""``test_baseline_schema``: a scratch database built as at the baseline, then stamped.

An adopted project's old revisions were written against the models of their day, and
some import today's models and query them (mlflow's 89d4b8295536 counts ``SqlMetric``
rows): once the models carry rowstamp's five columns, replaying those revisions fails
on columns the database does not have yet. Other projects create tables outside their
history (optuna's ``create_all`` at start-up). Both already ran on the project's
databases; what ``rowstamp test`` promises is the revisions after the baseline, so it
starts from the schema the baseline leaves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from alembic import command
from rowstamp.history.baseline import baseline_naming_convention, baseline_revisions
from rowstamp.model.own_schema import without_rowstamp
from rowstamp.testing.check_settings import BASELINE_SCHEMA_OPTION, MODELS, create_schema
from rowstamp.testing.metadata_contract import target_metadata

if TYPE_CHECKING:
    from rowstamp.testing.base import MigrationRun

__all__ = ["build_at_baseline"]


def build_at_baseline(run: MigrationRun, schema: str) -> None:
    """Create ``schema`` (``models``, or ``module:attribute``) and stamp the baseline."""
    if schema == MODELS:
        models = target_metadata(run)
        convention = baseline_naming_convention(run.config, models)
        create_schema(run.engine, BASELINE_SCHEMA_OPTION, without_rowstamp(models, convention))
    else:
        create_schema(run.engine, BASELINE_SCHEMA_OPTION, schema)
    stdout = run.config.stdout
    run.quiet()
    try:
        command.stamp(run.config, list(baseline_revisions(run.config)))
    finally:
        run.config.stdout = stdout
