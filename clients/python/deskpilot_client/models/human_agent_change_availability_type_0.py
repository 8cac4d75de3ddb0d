from enum import StrEnum


class HumanAgentChangeAvailabilityType0(StrEnum):
    AVAILABLE = "available"
    AWAY = "away"

    def __str__(self) -> str:
        return str(self.value)
