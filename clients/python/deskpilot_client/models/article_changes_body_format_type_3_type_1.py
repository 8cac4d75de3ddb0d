from enum import StrEnum


class ArticleChangesBodyFormatType3Type1(StrEnum):
    HTML = "html"
    MARKDOWN = "markdown"

    def __str__(self) -> str:
        return str(self.value)
