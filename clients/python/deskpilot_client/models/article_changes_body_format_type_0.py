from enum import StrEnum


class ArticleChangesBodyFormatType0(StrEnum):
    HTML = "html"
    MARKDOWN = "markdown"

    def __str__(self) -> str:
        return str(self.value)
