"""Settings of the knowledge service."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr

from libs.platform.settings import ServiceSettings


class KnowledgeSettings(ServiceSettings):
    embeddings: Literal["local", "openai", "hashing"] = Field(
        default="local",
        validation_alias="KNOWLEDGE_EMBEDDINGS",
        description="local = all-MiniLM-L6-v2 on the CPU (offline); openai; hashing = lexical, no model",
    )
    openai_api_key: SecretStr | None = Field(default=None, validation_alias="OPENAI_API_KEY")
    openai_base_url: str | None = Field(default=None, validation_alias="OPENAI_BASE_URL")
    openai_embedding_model: str = Field(default="text-embedding-3-small", validation_alias="KNOWLEDGE_OPENAI_MODEL")
    import_max_bytes: int = Field(default=5 * 1024 * 1024, validation_alias="KNOWLEDGE_IMPORT_MAX_BYTES", ge=1)
    # Articles and imports are larger than the platform's default request limit; uploads above
    # ``import_max_bytes`` get 413 from the import endpoint, anything above this from the server itself.
    max_body_bytes: int = Field(default=6 * 1024 * 1024, validation_alias="DESKPILOT_MAX_BODY_BYTES")
    rrf_k: int = Field(default=1, validation_alias="KNOWLEDGE_RRF_K", ge=1)
    candidate_depth: int = Field(default=40, validation_alias="KNOWLEDGE_CANDIDATE_DEPTH", ge=1, le=1000)
    fulltext_weight: float = Field(default=0.3, validation_alias="KNOWLEDGE_FULLTEXT_WEIGHT", ge=0, le=10)
    ef_search: int = Field(default=100, validation_alias="KNOWLEDGE_HNSW_EF_SEARCH", ge=10, le=1000)
    crawl_allow_private: bool = Field(
        default=False,
        validation_alias="KNOWLEDGE_CRAWL_ALLOW_PRIVATE",
        description="allow crawling loopback/private addresses (tests and intranets); off by default (SSRF)",
    )
