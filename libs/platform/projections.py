"""Rebuilding read models from the log and comparing them with the live tables (``deskpilot projections rebuild``).

A service's projection is a fold of the event log: its live consumer applies each event to its tables through a
store (a repository); a rebuild applies the same events, in log order, through the same pure code to a store in
memory, and the two must agree row for row. Each service answers with :class:`ProjectionCheck` values from its
``ops`` module; the rows are compared here, by key, column by column, and every difference names its row as
``<service>.<table>[<key>]``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

Row = Mapping[str, Any]
Key = tuple[Any, ...]

MAX_DIFFERENCES = 50


@dataclass(frozen=True)
class ProjectionCheck:
    """One read model rebuilt from ``events`` events of the log and compared with its live table."""

    service: str
    table: str
    events: int
    rebuilt_rows: int
    live_rows: int
    differences: list[str] = field(default_factory=list)
    seconds: float = 0.0
    repaired: int | None = None  # rows written to make the live table agree (None: compared only)

    @property
    def matches(self) -> bool:
        return not self.differences

    @property
    def name(self) -> str:
        return f"{self.service}.{self.table}"


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def row_name(service: str, table: str, key_columns: Sequence[str], key: Key) -> str:
    """How a difference names its row: ``conversation.transcript_entries[tenant_id=…, position=17]``."""
    return f"{service}.{table}[{', '.join(f'{c}={v}' for c, v in zip(key_columns, key, strict=True))}]"


def compare_rows(
    service: str,
    table: str,
    key_columns: Sequence[str],
    live: Mapping[Key, Row],
    rebuilt: Mapping[Key, Row],
    limit: int = MAX_DIFFERENCES,
) -> list[str]:
    """Each row only one side has, and each column that differs, naming the row (at most ``limit`` lines)."""
    out: list[str] = []
    for key in sorted(set(live) | set(rebuilt), key=lambda k: tuple(map(str, k))):
        name = row_name(service, table, key_columns, key)
        mine, theirs = live.get(key), rebuilt.get(key)
        if mine is None:
            out.append(f"{name}: missing from the live table (the log has it)")
        elif theirs is None:
            out.append(f"{name}: in the live table, not in the log")
        else:
            for column in sorted(set(mine) | set(theirs)):
                if mine.get(column) != theirs.get(column):
                    shown = f"live {_show(mine.get(column))}, log {_show(theirs.get(column))}"
                    out.append(f"{name}: {column} differs ({shown})")
        if len(out) >= limit:
            return out[:limit]
    return out
