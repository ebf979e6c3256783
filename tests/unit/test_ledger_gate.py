"""What an upgrade does with verify's problems: refuse an edited history, accept a
named edit only with a reason, print the rest."""

from __future__ import annotations

from pathlib import Path

import pytest

from rowstamp.errors import RowstampError
from rowstamp.history.verify import Problem
from rowstamp.runtime.ledger_gate import judge

EDITED = Problem(
    "edited", "a1b2c3", "revision a1b2c3 (x.py) was edited", "restore it", path=Path("x.py")
)
OTHER = Problem(
    "edited", "d4e5f6", "revision d4e5f6 (y.py) was edited", "restore it", path=Path("y.py")
)
OLD = Problem(
    "before-ledger", "0000", "1 applied revision(s) have no ledger row", "baseline", "warning"
)
STOPPED = Problem("interrupted", "d4e5f6", "the upgrade of d4e5f6 was interrupted", "run again")


def test_an_edit_refuses_the_upgrade_naming_the_revision() -> None:
    verdict = judge([EDITED, OLD, STOPPED])
    assert verdict.refusal is not None and verdict.accepted == []
    assert str(verdict.refusal).startswith("refusing to upgrade: revision a1b2c3 (x.py) was edited")
    assert "--accept-edited a1b2c3 --reason TEXT" in str(verdict.refusal)
    assert "-x accept-edited=a1b2c3" in str(verdict.refusal)
    assert verdict.warnings == [f"warning: {OLD}"]  # the interruption is the run's to report


def test_several_edits_are_named_together() -> None:
    refusal = judge([EDITED, OTHER]).refusal
    assert refusal is not None
    assert "2 applied revisions were edited after they ran here (a1b2c3,d4e5f6)" in str(refusal)


def test_an_accepted_edit_needs_a_reason_and_an_edited_revision() -> None:
    with pytest.raises(RowstampError, match="needs a reason"):
        judge([EDITED], ["a1b2c3"], " ")
    with pytest.raises(
        RowstampError, match=r"--accept-edited d4: not an applied revision .*a1b2c3"
    ):
        judge([EDITED], ["d4"], "why")
    verdict = judge([EDITED, OTHER], ["a1b", "d4e5f6"], "made by hand everywhere")
    assert verdict.accepted == [EDITED, OTHER] and verdict.refusal is None


def test_other_commands_print_the_edits_instead_of_refusing() -> None:
    verdict = judge([EDITED], refuse=False)
    assert verdict.refusal is None and verdict.warnings == [f"error: {EDITED}"]
