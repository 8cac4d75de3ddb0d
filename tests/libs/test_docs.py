"""The documentation cannot silently go stale: the event catalog is generated, the architecture names everything."""

from __future__ import annotations

import importlib
from pathlib import Path

from libs.events.catalog import EVENT_TYPES
from libs.events.catalog_docs import REGENERATE, render_catalog
from libs.platform.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


def service_names() -> list[str]:
    return sorted(p.name for p in (ROOT / "services").iterdir() if (p / "__init__.py").is_file())


def test_events_md_is_generated_from_the_code() -> None:
    assert (DOCS / "events.md").read_text(encoding="utf-8") == render_catalog(), f"regenerate with: {REGENERATE}"


def test_rendering_is_deterministic() -> None:
    assert render_catalog() == render_catalog()


def test_every_event_type_is_in_the_catalog_doc() -> None:
    for text in (render_catalog(), (DOCS / "events.md").read_text(encoding="utf-8")):
        for event_type, cls in EVENT_TYPES.items():
            assert f"### `{event_type}`" in text, event_type
            assert f"{cls.__module__}.{cls.__name__}`, schema version **{cls.SCHEMA_VERSION}**" in text


def test_architecture_names_every_service_and_every_event_type() -> None:
    architecture = (DOCS / "architecture.md").read_text(encoding="utf-8")
    services = service_names()
    assert services
    missing_services = [s for s in services if f"services/{s}" not in architecture]
    assert not missing_services, f"docs/architecture.md does not mention {missing_services}"
    missing_events = [t for t in EVENT_TYPES if f"`{t}`" not in architecture]
    assert not missing_events, f"docs/architecture.md does not mention {missing_events}"


def settings_variables() -> set[str]:
    """Every environment variable a service's settings read (``ServiceSettings`` and each ``config.py``)."""
    names: set[str] = set()
    for service in service_names():
        module = importlib.import_module(f"services.{service}.config")
        for obj in vars(module).values():
            if isinstance(obj, type) and issubclass(obj, ServiceSettings):
                names.update(
                    f.validation_alias for f in obj.model_fields.values() if isinstance(f.validation_alias, str)
                )
    return names


def test_operations_names_every_setting_the_dead_letters_and_replay() -> None:
    operations = (DOCS / "operations.md").read_text(encoding="utf-8")
    variables = settings_variables()
    assert {"DATABASE_URL", "NATS_URL"} <= variables
    missing = sorted(v for v in variables if f"`{v}`" not in operations)
    assert not missing, f"docs/operations.md does not document {missing}"
    for term in ("DP_DEAD_LETTERS", "dp.dlq.<consumer>", "Dp-Reason", "deskpilot replay"):
        assert term in operations, term
