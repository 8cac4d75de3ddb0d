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


def in_repository(path: Path) -> bool:
    """``repository.py``, or any module of a ``repository/`` package (split by aggregate, re-exported)."""
    inside = path.relative_to(ROOT / "services").parts[1:]
    return inside == ("repository.py",) or inside[:1] == ("repository",)


def source_files(service: str) -> list[Path]:
    """A service's modules at any depth, without its tests."""
    base = ROOT / "services" / service
    return [p for p in base.rglob("*.py") if "tests" not in p.relative_to(base).parts]


def test_the_six_services_exist_with_the_same_shape() -> None:
    assert SERVICES == ["agent", "billing", "conversation", "integrations", "knowledge", "ticketing"]
    for name in SERVICES:
        for part in ("app.py", "config.py", "models.py", "service.py", "handlers.py", "endpoints.py", "schemas.py"):
            assert (ROOT / "services" / name / part).exists(), f"services/{name}/{part} is missing"
        assert (ROOT / "services" / name / "tests").is_dir(), f"services/{name}/tests is missing"
        service = ROOT / "services" / name
        assert (service / "repository.py").exists() != (service / "repository" / "__init__.py").exists(), (
            f"services/{name} needs exactly one of repository.py and repository/__init__.py"
        )


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
    """Only the repository builds statements; models.py declares tables and their DDL migrations."""
    statements = {"insert", "select", "update", "delete", "text", "literal_column"}
    for name in SERVICES:
        for path in source_files(name):
            if path.name == "models.py" or in_repository(path):
                continue
            tree = ast.parse(path.read_text())
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
                    used = statements & {alias.name for alias in node.names}
                    assert not used, f"{path.relative_to(ROOT)} imports {sorted(used)}; SQL belongs in the repository"
