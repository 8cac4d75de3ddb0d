"""Writing a read model rebuilt from the log over its live tables (``deskpilot projections rebuild`` without
``--check``): the SQL a service's repository runs for it.

The caller holds :func:`lock_tables` on every table of the read model for the whole transaction, so no consumer or
request writes them meanwhile (plain reads go on), and compares after taking it: each row only the rebuild has is
inserted, each row only the live table has is deleted, and each row that differs gets the rebuild's values. Rows
that agree are not written. One transaction: the repair of a read model is whole or not at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Table, and_, delete, insert, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from libs.platform.projections import Key, ProjectionCheck, Row, compare_rows

LOCK_TIMEOUT_MS = 10_000
"""How long a repair waits for the tables' writers to finish their transactions before it gives up."""


class RepairRefused(Exception):
    """The read model was not repaired (nothing written): why, for the operator."""


@dataclass(frozen=True)
class TableRows:
    """A table's live rows and the rows rebuilt from the log, by key (``key_columns``); ``missing`` gives the values
    a row absent from the live table needs besides the compared ones (a ``NOT NULL`` column not compared)."""

    table: Table
    key_columns: Sequence[str]
    live: Mapping[Key, Row]
    rebuilt: Mapping[Key, Row]
    missing: Mapping[Key, Row] = field(default_factory=dict)


def table_checks(
    service: str, tables: Sequence[TableRows], events: int, seconds: float, repaired: Sequence[int] | None
) -> list[ProjectionCheck]:
    """One check per table of ``service``: its rows compared (differences named by key), with the rows a repair
    wrote when it made one (``repaired``, per table)."""
    return [
        ProjectionCheck(
            service,
            t.table.name,
            events,
            len(t.rebuilt),
            len(t.live),
            compare_rows(service, t.table.name, t.key_columns, t.live, t.rebuilt),
            seconds,
            None if repaired is None else repaired[i],
        )
        for i, t in enumerate(tables)
    ]


async def lock_tables(session: AsyncSession, tables: Sequence[Table]) -> None:
    """Lock ``tables`` until the transaction ends (``EXCLUSIVE``: reads go on, every write and ``FOR UPDATE``
    waits), waiting at most :data:`LOCK_TIMEOUT_MS` for the transactions that write them now."""
    await session.execute(text(f"SET LOCAL lock_timeout = {LOCK_TIMEOUT_MS}"))
    names = ", ".join(f"{t.schema}.{t.name}" if t.schema else t.name for t in tables)
    try:
        await session.execute(text(f"LOCK TABLE {names} IN EXCLUSIVE MODE"))
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) != "55P03":  # lock_not_available
            raise
        raise RepairRefused(f"{names} stayed busy for {LOCK_TIMEOUT_MS // 1000} s: run it again") from exc


async def replace_rows(session: AsyncSession, rows: TableRows) -> int:
    """Make the live table hold the rebuilt rows; returns how many rows it wrote (inserted, updated or deleted)."""
    table, written = rows.table, 0
    for key in sorted(set(rows.live) | set(rows.rebuilt), key=lambda k: tuple(map(str, k))):
        live, rebuilt = rows.live.get(key), rows.rebuilt.get(key)
        if live == rebuilt:
            continue
        by_key = dict(zip(rows.key_columns, key, strict=True))
        where = and_(*(table.c[column] == value for column, value in by_key.items()))
        if rebuilt is None:
            await session.execute(delete(table).where(where))
        elif live is None:
            await session.execute(insert(table).values({**rows.missing.get(key, {}), **rebuilt, **by_key}))
        else:
            await session.execute(update(table).where(where).values(dict(rebuilt)))
        written += 1
    return written
