"""The revision history as the guide keeps it: message rules, one head, the
``Migration:`` commit convention enforced by git hooks, where an adopted
project's own history ends (``[rowstamp] baseline``), a live database's drift
from the history that built it (``drift``), and the ledger of what a database
applied, checked against the files (checksums, ``rowstamp verify``), and each
revision's phase (expand or contract: which revisions run before the deploy)."""
