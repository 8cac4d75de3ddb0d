from enum import StrEnum


class V1TicketsInboxStatusType3Type1(StrEnum):
    OPEN = "open"
    PENDING = "pending"
    RESOLVED = "resolved"

    def __str__(self) -> str:
        return str(self.value)
