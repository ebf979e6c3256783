"""What ``docs/benchmarks.md`` says now, for a rewrite that lacks some scripts' results.

``bench/results/`` is not committed, so a machine that ran one script (``--only
busy_table``) holds no results of the others. Rewriting the page from that alone
would replace the others' figures with "not measured"; instead their sections, their
rows of the targets table and the Machine section are kept as the page has them.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["Page"]


class Page:
    """The current page split into its ``##`` sections and its targets rows."""

    def __init__(self, path: Path) -> None:
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        self.sections: dict[str, list[str]] = {}
        heading = ""
        for line in text.splitlines():
            if line.startswith("## "):
                heading = line[3:].strip()
                self.sections[heading] = []
            elif heading:
                self.sections[heading].append(line)
        self.targets = {
            _measure(line): line
            for line in self.sections.get("Targets", [])
            if line.startswith("| ") and line[2:3].isdigit()
        }

    def section(self, heading: str) -> list[str] | None:
        """The section's lines (heading included, trailing blank lines trimmed to one)."""
        body = self.sections.get(heading)
        if body is None:
            return None
        while body and not body[-1].strip():
            body = body[:-1]
        return [f"## {heading}", *body, ""]

    def target(self, line: str) -> str:
        """``line``, or the page's row for the same measure when ``line`` has no figure."""
        cells = [cell.strip() for cell in line.split("|")]
        unmeasured = cells[3] == "-" or cells[4].startswith("not measured")
        return self.targets.get(_measure(line), line) if unmeasured else line


def _measure(line: str) -> str:
    """A targets row's measure up to its first comma ("2b. trigger floor"): several rows
    share a number, and what follows the comma can carry a profile's size."""
    return line.split("|")[1].strip().split(",")[0]
