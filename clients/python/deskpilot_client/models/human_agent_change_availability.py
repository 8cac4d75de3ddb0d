from enum import StrEnum


class HumanAgentChangeAvailability(StrEnum):
    AVAILABLE = "available"
    AWAY = "away"

    def __str__(self) -> str:
        return str(self.value)
