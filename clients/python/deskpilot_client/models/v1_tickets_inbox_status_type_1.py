from enum import StrEnum


class V1TicketsInboxStatusType1(StrEnum):
    OPEN = "open"
    PENDING = "pending"
    RESOLVED = "resolved"

    def __str__(self) -> str:
        return str(self.value)
