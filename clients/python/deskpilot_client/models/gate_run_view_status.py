from enum import StrEnum


class GateRunViewStatus(StrEnum):
    BLOCKED = "blocked"
    FAILED = "failed"
    PASSED = "passed"
    QUEUED = "queued"
    RUNNING = "running"

    def __str__(self) -> str:
        return str(self.value)
