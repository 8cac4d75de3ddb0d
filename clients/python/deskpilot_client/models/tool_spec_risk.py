from enum import StrEnum


class ToolSpecRisk(StrEnum):
    APPROVAL_REQUIRED = "approval_required"
    READ = "read"
    WRITE = "write"

    def __str__(self) -> str:
        return str(self.value)
