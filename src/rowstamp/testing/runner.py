"""Run every migration check on one database per engine: ``rowstamp test`` and the plugin.

Order matters and is fixed: the static checks (single head, message rules); on a
new scratch database the model match and metadata contract at head; on another
the stairway from base (its walk also shows the round trip, reported as its own
check, so the history is walked once) and the clean downgrade; on a third the
data tests. A check that needs an earlier one to have passed is reported as
skipped, naming it, so a broken downgrade fails exactly one check instead of three.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass, field
from xml.etree import ElementTree

from alembic.config import Config
from sqlalchemy import create_engine
from sqlalchemy.engine import URL

from rowstamp.engines.catalog import Catalog
from rowstamp.errors import SettingsError
from rowstamp.testing.base import CheckFailed, CheckResult, MigrationRun, Skipped
from rowstamp.testing.check_settings import CHECK_NAMES, CheckSettings
from rowstamp.testing.clean_downgrade import check_clean_downgrade
from rowstamp.testing.data_tests import check_data_tests, has_data_tests
from rowstamp.testing.message_rules import check_message_rules
from rowstamp.testing.metadata_contract import check_metadata_contract
from rowstamp.testing.model_match import Flagged, check_model_match
from rowstamp.testing.scratch import scratch_databases, scratch_engine
from rowstamp.testing.single_head import check_single_head
from rowstamp.testing.stairway import RoundTrips, check_stairway
from rowstamp.testing.target import check_target

__all__ = ["CHECKS", "EngineReport", "run_checks", "write_junit"]

CHECKS = CHECK_NAMES


_Fresh = Callable[[], AbstractContextManager[tuple[MigrationRun, Catalog]]]
"""Gives a migration run on a new, empty database and that database's catalog."""


@dataclass
class EngineReport:
    """Every check's result on one engine."""

    engine: str
    results: list[CheckResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)


def run_checks(
    config: Config,
    engine: str,
    url: URL | None = None,
    *,
    destroy_data: bool = False,
    skip: Collection[str] = (),
) -> EngineReport:
    """Run all checks on scratch databases of ``engine`` (or on ``url`` as given).

    Each phase gets a new, empty database, so one broken downgrade cannot make a
    later phase fail. On a given ``url`` the phases share it and start from
    ``downgrade base``; a ``url`` that is the environment's database, or one that
    holds anything unless ``destroy_data``, is refused before anything runs. Checks
    in ``skip``, or in alembic.ini's ``[rowstamp] test_skip``, are reported as skipped.
    """
    if url is not None:
        check_target(config, url, destroy_data=destroy_data)
    settings = CheckSettings.of(config, skip)
    if url is not None and settings.baseline_schema is not None:
        # phases on one database would each build the baseline over the last one's head
        raise SettingsError(
            "rowstamp test --url cannot start from alembic.ini [rowstamp] "
            "test_baseline_schema: it builds each check's database anew",
            "leave out --url, so that rowstamp test makes its own scratch databases",
        )
    report = EngineReport(engine)
    _static(report, settings, "single head", lambda: check_single_head(config))
    _static(report, settings, "message rules", lambda: check_message_rules(config))
    blocked = "single head" if not _passed(report, settings, "single head") else None
    with _databases(config, engine, url) as fresh:
        _run_database_checks(report, settings, fresh, blocked)
    return report


def _static(
    report: EngineReport, settings: CheckSettings, name: str, check: Callable[[], int]
) -> None:
    skipped = settings.skipped(name)
    if skipped:
        report.results.append(CheckResult(name, report.engine, 0, 0.0, skipped=skipped))
    else:
        _timed(report, name, check)


def _run_database_checks(
    report: EngineReport, settings: CheckSettings, fresh: _Fresh, blocked: str | None
) -> None:
    def step(
        name: str,
        check: Callable[[MigrationRun], int],
        run: MigrationRun,
        needs: tuple[str, ...] = (),
    ) -> None:
        failed = [n for n in needs if not _passed(report, settings, n)]
        reason = settings.skipped(name) or (
            f"{blocked or failed[0]} failed" if blocked or failed else None
        )
        if reason:
            report.results.append(CheckResult(name, report.engine, 0, 0.0, skipped=reason))
            return
        _timed(report, name, lambda: check(run))

    with fresh() as (run, _):
        flagged = Flagged()
        step("model match", lambda r: check_model_match(r, flagged), run)
        # a model match that failed but compared: the contract checks the tables it did not flag
        compared = flagged.tables is not None
        step("metadata contract", _contract(flagged), run, () if compared else ("model match",))
    with fresh() as (run, empty):
        round_trips = RoundTrips()
        walked = not settings.skipped("stairway")
        step("stairway", lambda r: check_stairway(r, round_trips), run)
        if walked:  # the round trip is read off the stairway's walk
            step("round trip", lambda _: round_trips.result(), run, ("stairway",))
        else:
            skipped = "the stairway is skipped (it walks the round trip)"
            report.results.append(CheckResult("round trip", report.engine, 0, 0.0, skipped=skipped))
        step("clean downgrade", _clean_downgrade(empty, walked), run, ("stairway",))
    with fresh() as (run, _):
        if has_data_tests(run):
            step("data tests", check_data_tests, run)


def _contract(flagged: Flagged) -> Callable[[MigrationRun], int]:
    def check(run: MigrationRun) -> int:
        if flagged.tables is None:  # model match did not run: bring the database to head
            run.upgrade("head")
        return check_metadata_contract(run, flagged.tables or frozenset())

    return check


def _clean_downgrade(empty: Catalog, walked: bool) -> Callable[[MigrationRun], int]:
    def check(run: MigrationRun) -> int:
        if not walked:  # the stairway leaves the database at head; without it, go there
            run.upgrade("head")
        return check_clean_downgrade(run, empty)

    return check


def _passed(report: EngineReport, settings: CheckSettings, name: str) -> bool:
    """Whether ``name`` passed, or is skipped by the project's settings (a check that
    needs it then runs without it)."""
    if settings.skipped(name):
        return True
    return any(r.name == name and r.ok and not r.skipped for r in report.results)


def _timed(report: EngineReport, name: str, check: Callable[[], int]) -> None:
    started = time.perf_counter()
    try:
        count = check()
    except CheckFailed as exc:
        result = CheckResult(name, report.engine, 0, time.perf_counter() - started, str(exc))
    except Skipped as exc:
        result = CheckResult(name, report.engine, 0, 0.0, skipped=str(exc))
    else:
        result = CheckResult(name, report.engine, count, time.perf_counter() - started)
    report.results.append(result)


@contextmanager
def _databases(config: Config, engine: str, url: URL | None) -> Iterator[_Fresh]:
    """A factory of (run, empty catalog) pairs, each on a new database (or on ``url``)."""

    @contextmanager
    def on(target: URL, reset: bool) -> Iterator[tuple[MigrationRun, Catalog]]:
        db = create_engine(target) if reset else scratch_engine(target)
        try:
            run = MigrationRun(config, db)
            if reset:
                run.downgrade("base", "base")
            _reach_start(run)
            yield run, run.catalog()
        finally:
            db.dispose()

    if url is not None:
        given = url
        yield lambda: on(given, True)
        return

    with scratch_databases(engine) as make:

        @contextmanager
        def fresh() -> Iterator[tuple[MigrationRun, Catalog]]:
            with make() as target, on(target, False) as pair:
                yield pair

        yield fresh


def _reach_start(run: MigrationRun) -> None:
    """Bring a new database to the baseline; if the project's own history cannot get
    there, the first check that needs it reports the failure."""
    with suppress(CheckFailed):
        run.reach_start()


def write_junit(reports: list[EngineReport], path: str) -> None:
    """A JUnit XML file CI systems show: one test case per check and engine."""
    results = [r for report in reports for r in report.results]
    suite = ElementTree.Element(
        "testsuite",
        name="rowstamp test",
        tests=str(len(results)),
        failures=str(sum(not r.ok for r in results)),
        skipped=str(sum(r.skipped is not None for r in results)),
        time=f"{sum(r.seconds for r in results):.3f}",
    )
    for result in results:
        case = ElementTree.SubElement(
            suite,
            "testcase",
            classname=f"rowstamp.{result.engine}",
            name=result.name,
            time=f"{result.seconds:.3f}",
        )
        if result.failure is not None:
            ElementTree.SubElement(case, "failure", message=result.failure).text = result.failure
        elif result.skipped is not None:
            ElementTree.SubElement(case, "skipped", message=result.skipped)
    ElementTree.ElementTree(suite).write(path, encoding="utf-8", xml_declaration=True)
