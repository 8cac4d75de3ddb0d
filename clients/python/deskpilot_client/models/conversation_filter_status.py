from enum import StrEnum


class ConversationFilterStatus(StrEnum):
    ANY = "any"
    RESOLVED = "resolved"

    def __str__(self) -> str:
        return str(self.value)
