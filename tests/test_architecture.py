"""Structural rules: services never import each other; libs never import services; SQL stays in repositories."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVICES = sorted(p.name for p in (ROOT / "services").iterdir() if (p / "app.py").exists())


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_the_six_services_exist_with_the_same_shape() -> None:
    assert SERVICES == ["agent", "billing", "conversation", "integrations", "knowledge", "ticketing"]
    for name in SERVICES:
        for part in (
            "app.py",
            "config.py",
            "models.py",
            "repository.py",
            "service.py",
            "handlers.py",
            "endpoints.py",
            "schemas.py",
            "tests",
        ):
            assert (ROOT / "services" / name / part).exists(), f"services/{name}/{part} is missing"


def test_no_service_imports_another() -> None:
    for name in SERVICES:
        for path in (ROOT / "services" / name).rglob("*.py"):
            for module in imported_modules(path):
                if module.startswith("services."):
                    owner = module.split(".")[1]
                    assert owner == name, f"{path.relative_to(ROOT)} imports {module}"


def test_libs_never_import_services_or_the_launcher() -> None:
    for path in (ROOT / "libs").rglob("*.py"):
        for module in imported_modules(path):
            assert not module.startswith(("services", "deskpilot")), f"{path.relative_to(ROOT)} imports {module}"


def test_sql_lives_in_repositories() -> None:
    """Only repository.py builds statements; models.py declares tables and their DDL migrations."""
    statements = {"insert", "select", "update", "delete", "text", "literal_column"}
    allowed = {"repository.py", "models.py"}
    for name in SERVICES:
        for path in (ROOT / "services" / name).glob("*.py"):
            if path.name in allowed:
                continue
            tree = ast.parse(path.read_text())
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
                    used = statements & {alias.name for alias in node.names}
                    assert not used, f"{path.relative_to(ROOT)} imports {sorted(used)}; SQL belongs in repository.py"


def test_the_web_front_end_is_a_client_of_the_public_api_only() -> None:
    """web/ reaches the platform over HTTP like any third party: it imports no service, no shared library of the
    services (event contracts, platform plumbing) and not the launcher."""
    for path in (ROOT / "web").rglob("*.py"):
        if "node_modules" in path.parts:
            continue
        for module in imported_modules(path):
            assert not module.startswith(("services", "libs", "deskpilot")), (
                f"{path.relative_to(ROOT)} imports {module}"
            )
