"""docs/architecture.md cannot drift from the code: its tables are generated, and what is written by hand names only
paths, functions and links that exist."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from deskpilot import architecture_docs
from deskpilot.architecture_docs import REGENERATE, generated_part, render_generated, service_views

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
ARCHITECTURE = DOCS / "architecture.md"
DECISIONS = sorted((DOCS / "decisions").glob("[0-9][0-9][0-9][0-9]-*.md"))
# ``path/to/file.py:Qualified.name`` in a code span: a function, class or method (nested ones by their own name).
CODE_REFERENCE = re.compile(r"`([\w./-]+\.py):([\w.]+)`")
LINK = re.compile(r"\]\(([^)\s]+)\)")
PATH_SUFFIXES = (".py", ".md", ".yaml", ".yml", ".toml", ".conf", ".json", ".txt")


def architecture() -> str:
    return ARCHITECTURE.read_text(encoding="utf-8")


# --- the generated part ----------------------------------------------------------------------------------------


def test_the_tables_are_generated_from_the_code() -> None:
    assert generated_part(architecture()) == render_generated(), f"regenerate with: {REGENERATE}"


def test_rendering_depends_on_the_code_alone(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The same tables whatever the environment and the working directory's ``.env`` say."""
    expected = render_generated()
    (tmp_path / ".env").write_text("DESKPILOT_AGENT_CONCURRENCY=3\nDESKPILOT_SMTP_ENABLED=false\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DESKPILOT_AGENT_CONCURRENCY", "5")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-not-a-key")
    service_views.cache_clear()
    try:
        assert render_generated() == expected
    finally:
        service_views.cache_clear()
    assert Path.cwd().resolve() == tmp_path.resolve()  # the renderer restored the working directory it found


def test_every_subscription_and_background_task_says_what_it_does() -> None:
    views = service_views()
    assert [v.name for v in views] == ["conversation", "agent", "integrations", "knowledge", "ticketing", "billing"]
    for view in views:
        assert view.owns, f"services/{view.name}/__init__.py needs a docstring: what the service owns"
        for sub in view.runtime.subscriptions:
            assert sub.does.strip(), f"subscription {view.runtime.consumers.durable(sub)} has no `does`"
        for task in view.runtime.background_tasks:
            assert task.does.strip(), f"background task {view.name}-{task.name} has no `does`"


def test_every_durable_consumer_and_task_has_a_row() -> None:
    """Each service's own subscriptions by their durable name; those every service has alike once, as
    ``<service>-<name>``."""
    generated = render_generated()
    for view in service_views():
        for sub in view.runtime.subscriptions:
            rows = [f"| `{view.runtime.consumers.durable(sub)}` |", f"| `<service>-{sub.name}` |"]
            assert sum(generated.count(row) for row in rows) == 1, f"{view.name}: {sub.name}"
        for task in view.runtime.background_tasks:
            rows = [f"| `{view.name}-{task.name}` |", f"| `<service>-{task.name}` |"]
            assert sum(generated.count(row) for row in rows) == 1, f"{view.name}: {task.name}"


def test_optional_subscriptions_are_marked_with_their_switch() -> None:
    conversation = next(v for v in service_views() if v.name == "conversation")
    assert {"email-out-ai", "email-out-human", "smtp"} <= conversation.optional
    assert "`conversation-email-out-ai` | `dp.conv.*.*.agent.replied` |" in render_generated()
    assert "(only with `DESKPILOT_SMTP_ENABLED=true`)" in render_generated()


def test_the_generated_part_is_found_and_replaced_whole() -> None:
    document = f"before\n{architecture_docs.BEGIN}\nstale\n{architecture_docs.END}\nafter\n"
    regenerated = architecture_docs.regenerate(document)
    assert regenerated == f"before\n{render_generated()}\nafter\n"
    with pytest.raises(ValueError, match="markers"):
        generated_part("no markers here")


# --- what is written by hand -----------------------------------------------------------------------------------


def _defines(tree: ast.AST, qualname: str) -> bool:
    """Whether ``qualname`` (``f``, ``Class.method``, ``outer.inner``) is defined in ``tree``."""
    scope: list[ast.AST] = [tree]
    for part in qualname.split("."):
        found = [
            node
            for parent in scope
            for node in ast.walk(parent)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and node.name == part
        ]
        if not found:
            return False
        scope = list(found)
    return True


def _references(text: str) -> list[tuple[str, str]]:
    return CODE_REFERENCE.findall(text)


def test_every_file_and_function_named_by_the_docs_exists() -> None:
    documents = [ARCHITECTURE, *DECISIONS]
    references = [(doc, ref) for doc in documents for ref in _references(doc.read_text(encoding="utf-8"))]
    assert len(references) >= 30, "the hop-by-hop walk names its functions as `path.py:function`"
    missing = []
    for doc, (path, qualname) in references:
        source = ROOT / path
        if not source.is_file() or not _defines(ast.parse(source.read_text()), qualname):
            missing.append(f"{doc.relative_to(ROOT)}: {path}:{qualname}")
    assert not missing, "named in the docs but not in the code:\n" + "\n".join(missing)


def _where_table() -> list[str]:
    """The rows of the "Where does X live" table."""
    section = architecture().split("## Where does X live", 1)[1].split("\n## ", 1)[0]
    return [line for line in section.splitlines() if line.startswith("| ") and not line.startswith("| capability")]


def _looks_like_path(token: str) -> bool:
    return " " not in token and ("/" in token or token.endswith(PATH_SUFFIXES) or (ROOT / token).is_file())


def test_every_path_in_the_where_table_exists() -> None:
    paths = [
        token
        for row in _where_table()
        for token in re.findall(r"`([^`]+)`", row.split("|")[2])
        if _looks_like_path(token)
    ]
    assert len(paths) >= 40, f"expected the table's paths, found {paths}"
    missing = [p for p in paths if not any(ROOT.glob(p.rstrip("/")))]
    assert not missing, f"docs/architecture.md names paths that do not exist: {missing}"


def test_paths_named_anywhere_in_the_architecture_and_the_records_exist() -> None:
    tops = ("libs/", "services/", "deskpilot/", "tests/", "benchmarks/", "deploy/", "examples/", "docs/")
    missing = []
    for doc in [ARCHITECTURE, *DECISIONS]:
        for token in re.findall(r"`([^`\s<]+)`", doc.read_text(encoding="utf-8")):
            path = token.split(":", 1)[0]
            if path.startswith(tops) and not any(ROOT.glob(path.rstrip("/"))):
                missing.append(f"{doc.name}: {path}")
    assert not missing, missing


def test_decision_records_have_their_shape_and_are_listed() -> None:
    assert len(DECISIONS) >= 10
    listed = architecture()
    numbers = [int(record.name[:4]) for record in DECISIONS]
    # Numbers are handed out ahead (one per piece of work), so a later one may land before an earlier: gaps are fine.
    assert len(set(numbers)) == len(numbers), f"two decision records share a number: {numbers}"
    for number, record in zip(numbers, DECISIONS, strict=True):
        text = record.read_text(encoding="utf-8")
        lines = text.splitlines()
        assert lines[0].startswith(f"# {number:04d}. "), f"{record.name}: title '# {number:04d}. …'"
        for heading in ("## Context", "## Decision", "## Consequences"):
            assert heading in lines, f"{record.name} has no '{heading}'"
        assert 10 <= len(lines) <= 30, f"{record.name}: {len(lines)} lines; a record is short (10-30)"
        assert f"(decisions/{record.name})" in listed, f"docs/architecture.md does not list {record.name}"


def _anchors(markdown: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens."""
    anchors = set()
    for heading in re.findall(r"^#+\s+(.+)$", markdown, flags=re.MULTILINE):
        anchors.add(re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-"))
    return anchors


def test_relative_links_in_the_readme_and_the_docs_resolve() -> None:
    documents = [ROOT / "README.md", *DOCS.rglob("*.md")]
    broken = []
    for doc in documents:
        for target in LINK.findall(doc.read_text(encoding="utf-8")):
            if target.startswith(("http://", "https://", "mailto:")):
                continue
            path, _, anchor = target.partition("#")
            file = (doc.parent / path).resolve() if path else doc
            if not file.exists():
                broken.append(f"{doc.relative_to(ROOT)}: {target}")
            elif anchor and file.suffix == ".md" and anchor not in _anchors(file.read_text(encoding="utf-8")):
                broken.append(f"{doc.relative_to(ROOT)}: {target} (no such heading)")
    assert not broken, "broken links:\n" + "\n".join(broken)
