from enum import StrEnum


class ArticleChangesBodyFormatType2Type1(StrEnum):
    HTML = "html"
    MARKDOWN = "markdown"

    def __str__(self) -> str:
        return str(self.value)
