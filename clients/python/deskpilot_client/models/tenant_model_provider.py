from enum import StrEnum


class TenantModelProvider(StrEnum):
    ANTHROPIC = "anthropic"
    OFFLINE = "offline"
    OPENAI = "openai"
    OPENAI_COMPATIBLE = "openai_compatible"

    def __str__(self) -> str:
        return str(self.value)
