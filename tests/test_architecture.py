"""Dependencies point one way: domain ← db ← services ← ui/cli; reports use domain only;
only ui/ (and the composition root app.py) imports Qt."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "caseload_app"
FORBIDDEN = {
    "domain": (
        "caseload_app.db",
        "caseload_app.services",
        "caseload_app.ui",
        "caseload_app.reports",
        "sqlalchemy",
        "PySide6",
    ),
    "reports": (
        "caseload_app.db",
        "caseload_app.services",
        "caseload_app.ui",
        "sqlalchemy",
        "PySide6",
    ),
    "db": ("caseload_app.services", "caseload_app.ui", "PySide6"),
    "services": ("caseload_app.ui", "PySide6"),
}


def imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_only_what_it_may(layer):
    offences = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in sorted((PACKAGE / layer).rglob("*.py"))
        for name in sorted(imports(path))
        if name.startswith(FORBIDDEN[layer])
    ]
    assert offences == []


def test_only_the_ui_and_the_composition_root_import_qt():
    allowed = {PACKAGE / "app.py"}
    offences = [
        str(path.relative_to(PACKAGE))
        for path in sorted(PACKAGE.rglob("*.py"))
        if "ui" not in path.relative_to(PACKAGE).parts[:1]
        and path not in allowed
        and any(name.startswith("PySide6") for name in imports(path))
    ]
    assert offences == []
