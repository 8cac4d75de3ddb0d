"""Request and response models of the knowledge API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal

from litestar.openapi.spec import OpenAPIMediaType, Operation, RequestBody, Schema
from litestar.openapi.spec.enums import OpenAPIFormat, OpenAPIType
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from libs.platform.http import HTTP_URL, json_integer
from services.knowledge.imports import EXTENSIONS, OCTET_STREAM, SUPPORTED

BodyFormat = Literal["markdown", "html"]
Tag = str


class NewCollection(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)


class Collection(BaseModel):
    collection_id: str
    name: str
    description: str
    created_at: datetime


class CollectionList(BaseModel):
    items: list[Collection]


class NewArticle(BaseModel):
    """An article; ``status`` published makes it retrievable at once."""

    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=300)
    body: str = Field(min_length=1, max_length=2_000_000)
    body_format: BodyFormat = "markdown"
    tags: list[Tag] = Field(default_factory=list, max_length=50)
    locale: str = Field(default="en", pattern=r"^[a-zA-Z]{2,3}([-_][a-zA-Z0-9]{2,8})?$")
    status: Literal["draft", "published"] = "published"
    collection_id: str | None = Field(default=None, max_length=64)


class ArticleChanges(BaseModel):
    """A partial update; every change makes a new version."""

    model_config = ConfigDict(extra="forbid")
    title: str | None = Field(default=None, min_length=1, max_length=300)
    body: str | None = Field(default=None, min_length=1, max_length=2_000_000)
    body_format: BodyFormat | None = None
    tags: list[Tag] | None = Field(default=None, max_length=50)
    locale: str | None = Field(default=None, pattern=r"^[a-zA-Z]{2,3}([-_][a-zA-Z0-9]{2,8})?$")
    status: Literal["draft", "published"] | None = None
    collection_id: str | None = Field(default=None, max_length=64)


class Article(BaseModel):
    article_id: str
    collection_id: str | None
    title: str
    body: str
    body_format: str
    tags: list[str]
    locale: str
    status: str
    version: int
    source_url: str | None
    created_at: datetime
    updated_at: datetime


class ArticleSummary(BaseModel):
    article_id: str
    collection_id: str | None
    title: str
    tags: list[str]
    locale: str
    status: str
    version: int
    source_url: str | None
    updated_at: datetime


class ArticleList(BaseModel):
    items: list[ArticleSummary]


class ArticleVersion(BaseModel):
    version: int
    title: str
    body: str
    body_format: str
    tags: list[str]
    locale: str
    status: str
    created_at: datetime


class VersionList(BaseModel):
    article_id: str
    items: list[ArticleVersion]


class SearchHit(BaseModel):
    article_id: str
    title: str
    heading_path: str
    anchor: str
    url: str | None
    snippet: str
    score: float


class SearchResults(BaseModel):
    query: str
    mode: str
    items: list[SearchHit]


class Reindexed(BaseModel):
    model: str
    articles: int


@dataclass
class UploadOperation(Operation):
    """An import's operation in the contract, with what Litestar cannot infer from a handler that reads the raw
    body: the file, any bytes. What the bytes hold is the import's ``problem``, not the request's shape."""

    def __post_init__(self) -> None:
        types = ", ".join(sorted(SUPPORTED))
        self.request_body = RequestBody(
            required=True,
            description=f"The file itself, typed by its name's extension (``filename``: {', '.join(EXTENSIONS)}). "
            f"It may instead be sent under its own media type ({types}), which then says what it is. Its size is "
            "limited by the deployment (413 above it).",
            content={
                OCTET_STREAM: OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY))
            },
        )


class Imported(BaseModel):
    """What an import made of the file: its articles, or why it made none."""

    article_ids: list[str] = Field(description="the articles made from the file, in its order; empty with a problem")
    problem: str | None = Field(
        default=None,
        description="why the file gave no article: it cannot be read as its type (not UTF-8, not a PDF with text, "
        "a CSV without question/answer columns or rows, empty). The upload itself was well-formed; send a better file",
    )


class NewCrawl(BaseModel):
    """Crawl a website: its sitemap and same-host links from ``url``, within the limits, obeying robots.txt."""

    model_config = ConfigDict(extra="forbid")
    url: str = Field(max_length=2000, pattern=HTTP_URL, description="an http(s) URL (a host name or IPv4 address)")
    max_depth: Annotated[int, Field(ge=0, le=10), BeforeValidator(json_integer)] = 3
    max_pages: Annotated[int, Field(ge=1, le=10_000), BeforeValidator(json_integer)] = 200
    locale: str = Field(default="en", pattern=r"^[a-zA-Z]{2,3}([-_][a-zA-Z0-9]{2,8})?$")


class Crawl(BaseModel):
    crawl_id: str
    root_url: str
    status: str
    max_depth: int
    max_pages: int
    pages_found: int
    pages_fetched: int
    pages_indexed: int
    pages_unchanged: int
    pages_failed: int
    error: str | None
    created_at: datetime
    finished_at: datetime | None
