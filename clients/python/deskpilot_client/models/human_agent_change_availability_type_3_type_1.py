from enum import StrEnum


class HumanAgentChangeAvailabilityType3Type1(StrEnum):
    AVAILABLE = "available"
    AWAY = "away"

    def __str__(self) -> str:
        return str(self.value)
