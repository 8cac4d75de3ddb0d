from enum import StrEnum


class V1KnowledgeImportsImportFileStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"

    def __str__(self) -> str:
        return str(self.value)
