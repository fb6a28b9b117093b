"""Dependencies point one way: domain ← db ← services ← ui/cli; reports use domain only;
only ui/ (and the composition roots app.py and bench_window.py) imports Qt; the ui reaches
storage only through the services."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "caseload_app"
FORBIDDEN = {
    "domain": (  # pure rules: no storage, no window, and no files (code_lists reads those)
        "caseload_app.paths",
        "caseload_app.files",
        "caseload_app.code_lists",
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
    # The window reaches storage only through the services (which name the storage errors a
    # person can act on), and never imports the composition root or the command line above it.
    "ui": (
        "caseload_app.db",
        "sqlalchemy",
        "caseload_app.app",
        "caseload_app.cli",
        "caseload_app.bench",
    ),
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
    allowed = {PACKAGE / "app.py", PACKAGE / "bench_window.py"}  # roots that start the window
    offences = [
        str(path.relative_to(PACKAGE))
        for path in sorted(PACKAGE.rglob("*.py"))
        if "ui" not in path.relative_to(PACKAGE).parts[:1]
        and path not in allowed
        and any(name.startswith("PySide6") for name in imports(path))
    ]
    assert offences == []
