from enum import StrEnum


class ToolActionApproval(StrEnum):
    APPROVED = "approved"
    DENIED = "denied"
    NONE = "none"
    WAITING = "waiting"

    def __str__(self) -> str:
        return str(self.value)
