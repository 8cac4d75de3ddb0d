"""Request and response models of the knowledge API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class NewArticle(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=300)
    body: str = Field(min_length=1, max_length=200_000)
    status: Literal["draft", "published"] = "published"


class Article(BaseModel):
    article_id: str
    title: str
    body: str
    status: str
    created_at: datetime


class ArticleList(BaseModel):
    items: list[Article]


class SearchHit(BaseModel):
    article_id: str
    title: str
    snippet: str
    score: float


class SearchResults(BaseModel):
    query: str
    items: list[SearchHit]
