from enum import StrEnum


class ConversationFilterResolvedByType0(StrEnum):
    AI = "ai"
    HUMAN = "human"

    def __str__(self) -> str:
        return str(self.value)
