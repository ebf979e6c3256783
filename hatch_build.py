"""Build hook: put ``rowstamp init``'s project template into the wheel, and only there.

The template is this repository's own example project. src/rowstamp/project/template.py
names its files (``TEMPLATE_PATHS``) and their folder in the package (``PACKAGED``);
they are read here without importing rowstamp, whose dependencies the build environment
lacks. An editable install gets no copy: rowstamp then reads the checkout itself.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

_LOCATOR = Path("src/rowstamp/project/template.py")


def _constants(root: Path) -> dict[str, Any]:
    tree = ast.parse((root / _LOCATOR).read_text(encoding="utf-8"))
    return {
        target.id: ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name) and target.id in ("TEMPLATE_PATHS", "PACKAGED")
    }


class TemplateHook(BuildHookInterface):
    """Maps each template path to ``rowstamp/<PACKAGED>/<path>`` in a standard wheel."""

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if version != "standard":
            return
        found = _constants(Path(self.root))
        for path in found["TEMPLATE_PATHS"]:
            build_data["force_include"][path] = f"rowstamp/{found['PACKAGED']}/{path}"
