from enum import StrEnum


class V1KnowledgeArticlesListArticlesStatusType3Type1(StrEnum):
    ARCHIVED = "archived"
    DRAFT = "draft"
    PUBLISHED = "published"

    def __str__(self) -> str:
        return str(self.value)
