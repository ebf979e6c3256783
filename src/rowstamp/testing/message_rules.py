"""Message rules on every revision: each message is one descriptive line, unique.

Prevents: revisions named "update", "fix" or copied from another, which make the
history (``rowstamp history``, ``alembic history``) useless when something breaks.
"""

from __future__ import annotations

from alembic.config import Config
from alembic.script import ScriptDirectory

from rowstamp.errors import MessageError
from rowstamp.history.baseline import own_history
from rowstamp.history.messages import check_message
from rowstamp.testing.base import CheckFailed

__all__ = ["check_message_rules"]


def check_message_rules(config: Config) -> int:
    """Check every revision's message against the others; return how many were checked.

    Revisions up to ``[rowstamp] baseline`` were written before the project adopted
    rowstamp: their messages are history and not judged (a new one may not repeat them).
    """
    directory = ScriptDirectory.from_config(config)
    own = own_history(config, directory)
    scripts = list(reversed(list(directory.walk_revisions())))
    problems: list[str] = []
    earlier: dict[str, str] = {}
    for script in scripts:
        message = (script.doc or "").strip()
        try:
            if script.revision not in own:
                check_message(message, earlier)
        except MessageError as exc:
            problems.append(f"{script.revision}: {exc}")
        earlier[script.revision] = message
    if problems:
        raise CheckFailed("; ".join(problems))
    return len(scripts) - len(own)
