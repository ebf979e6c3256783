"""The revision history as the guide keeps it: message rules, one head, and the
``Migration:`` commit convention enforced by git hooks."""
