from enum import StrEnum


class V1TicketsInboxView(StrEnum):
    ALL = "all"
    BREACHING = "breaching"
    MINE = "mine"
    UNASSIGNED = "unassigned"

    def __str__(self) -> str:
        return str(self.value)
