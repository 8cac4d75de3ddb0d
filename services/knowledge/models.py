"""Tables of the knowledge service (schema ``knowledge``).

Articles are the CMS (every edit is a row in ``article_versions``); ``chunks`` are the retrieval index of the
*published* version of each article: one row per heading-aware chunk, with its embedding (pgvector, HNSW cosine)
and its full-text document (``tsvector`` in the article's language). A chunk exists only while its article is
published, so "retrievable" is "has chunks".
"""

from pgvector.sqlalchemy import Vector
from sqlalchemy import (
    Column,
    Computed,
    DateTime,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, REGCONFIG, TSVECTOR
from sqlalchemy.ext.asyncio import AsyncConnection

metadata = MetaData(schema="knowledge")

# One vector width for every provider: all-MiniLM-L6-v2 is 384-d; OpenAI's text-embedding-3 models are asked for
# ``dimensions=384``. A provider of another width cannot be configured (checked at start-up).
EMBEDDING_DIMENSIONS = 384

collections = Table(
    "collections",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("collection_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

articles = Table(
    "articles",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("article_id", String(64), primary_key=True),
    Column("collection_id", String(64), nullable=True),
    Column("title", String(300), nullable=False),
    Column("body", Text, nullable=False),
    Column("body_format", String(16), nullable=False),  # markdown | html
    Column("tags", ARRAY(String(64)), nullable=False, server_default="{}"),
    Column("locale", String(16), nullable=False),
    Column("status", String(16), nullable=False),  # draft | published | archived
    Column("version", Integer, nullable=False),
    Column("source_url", Text, nullable=True),  # crawled or imported from
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_articles_tenant_updated", "tenant_id", "updated_at"),
)

article_versions = Table(
    "article_versions",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("article_id", String(64), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("title", String(300), nullable=False),
    Column("body", Text, nullable=False),
    Column("body_format", String(16), nullable=False),
    Column("tags", ARRAY(String(64)), nullable=False, server_default="{}"),
    Column("locale", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    ForeignKeyConstraint(
        ["tenant_id", "article_id"], ["knowledge.articles.tenant_id", "knowledge.articles.article_id"]
    ),
)

chunks = Table(
    "chunks",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("article_id", String(64), primary_key=True),
    Column("ordinal", Integer, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("title", String(300), nullable=False),
    Column("heading_path", Text, nullable=False),  # "Returns > Refunds"
    Column("anchor", String(200), nullable=False),  # "#refunds" or "" for the article top
    Column("url", Text, nullable=True),
    Column("text", Text, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("model", String(100), nullable=False),
    Column("language", REGCONFIG, nullable=False),  # text-search configuration of the article's locale
    Column(
        "tsv",
        TSVECTOR,
        Computed("to_tsvector(language, title || ' ' || heading_path || ' ' || text)", persisted=True),
        nullable=False,
    ),
    Column("embedding", Vector(EMBEDDING_DIMENSIONS), nullable=False),
    Index(
        "ix_chunks_embedding_hnsw",
        "embedding",
        postgresql_using="hnsw",
        postgresql_with={"m": 16, "ef_construction": 64},
        postgresql_ops={"embedding": "vector_cosine_ops"},
    ),
    Index("ix_chunks_tsv", "tsv", postgresql_using="gin"),
    Index("ix_chunks_tenant", "tenant_id", "model"),
)

# Embeddings of chunk texts by (tenant, model, content hash): re-publishing or re-crawling unchanged text costs no
# model call. Keyed by tenant too, so erasing a tenant erases its vectors.
embedding_cache = Table(
    "embedding_cache",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("model", String(100), primary_key=True),
    Column("content_hash", String(64), primary_key=True),
    Column("embedding", Vector(EMBEDDING_DIMENSIONS), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

crawls = Table(
    "crawls",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("crawl_id", String(64), primary_key=True),
    Column("root_url", Text, nullable=False),
    Column("status", String(16), nullable=False),  # queued | running | completed | failed
    Column("max_depth", Integer, nullable=False),
    Column("max_pages", Integer, nullable=False),
    Column("pages_found", Integer, nullable=False, server_default="0"),
    Column("pages_fetched", Integer, nullable=False, server_default="0"),
    Column("pages_indexed", Integer, nullable=False, server_default="0"),
    Column("pages_unchanged", Integer, nullable=False, server_default="0"),
    Column("pages_failed", Integer, nullable=False, server_default="0"),
    Column("error", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("finished_at", DateTime(timezone=True), nullable=True),
)

# What a crawl last saw at a URL: re-crawls touch only pages whose content hash changed.
crawl_pages = Table(
    "crawl_pages",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("url", Text, primary_key=True),
    Column("article_id", String(64), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("crawl_id", String(64), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
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
