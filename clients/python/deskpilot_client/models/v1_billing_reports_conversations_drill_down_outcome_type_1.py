from enum import StrEnum


class V1BillingReportsConversationsDrillDownOutcomeType1(StrEnum):
    AI_RESOLVED = "ai_resolved"
    HUMAN_HANDLED = "human_handled"
    RESOLVED = "resolved"
    STARTED = "started"

    def __str__(self) -> str:
        return str(self.value)
