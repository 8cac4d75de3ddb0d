from enum import StrEnum


class ToolChangeChange(StrEnum):
    ADDED = "added"
    CHANGED_APPROVAL = "changed_approval"
    CHANGED_ARGUMENTS = "changed_arguments"
    MISSING = "missing"

    def __str__(self) -> str:
        return str(self.value)
