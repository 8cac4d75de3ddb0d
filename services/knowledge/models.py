"""Tables of the knowledge service (schema ``knowledge``)."""

from sqlalchemy import Column, DateTime, Index, MetaData, String, Table, Text, func, text
from sqlalchemy.ext.asyncio import AsyncConnection

metadata = MetaData(schema="knowledge")

SEARCH_DOCUMENT = "to_tsvector('english', title || ' ' || body)"

articles = Table(
    "articles",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("article_id", String(64), primary_key=True),
    Column("title", String(300), nullable=False),
    Column("body", Text, nullable=False),
    Column("status", String(16), nullable=False),  # draft | published
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_articles_fts", text(SEARCH_DOCUMENT), postgresql_using="gin"),
)

tool_results = Table(
    "tool_results",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("tool_call_id", String(100), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)


async def create_pgvector_extension(conn: AsyncConnection) -> None:
    """Migration 0: embeddings live in pgvector; fail at start-up, loudly, on a PostgreSQL without it."""
    await conn.execute(text("CREATE EXTENSION IF NOT EXISTS vector"))
