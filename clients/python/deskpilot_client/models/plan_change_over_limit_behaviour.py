from enum import StrEnum


class PlanChangeOverLimitBehaviour(StrEnum):
    HANDOFF = "handoff"
    REFUSE = "refuse"

    def __str__(self) -> str:
        return str(self.value)
