from enum import StrEnum


class TenantPlanViewOverLimitBehaviour(StrEnum):
    HANDOFF = "handoff"
    REFUSE = "refuse"

    def __str__(self) -> str:
        return str(self.value)
