from enum import StrEnum


class ReleaseSummaryRole(StrEnum):
    IDLE = "idle"
    ROLLOUT = "rollout"
    STABLE = "stable"

    def __str__(self) -> str:
        return str(self.value)
