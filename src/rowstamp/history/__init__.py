"""The revision history as the guide keeps it: message rules, one head, the
``Migration:`` commit convention enforced by git hooks, and where an adopted
project's own history ends (``[rowstamp] baseline``), and a live database's drift
from the history that built it (``drift``)."""
