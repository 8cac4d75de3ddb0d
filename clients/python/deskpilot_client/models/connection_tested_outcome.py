from enum import StrEnum


class ConnectionTestedOutcome(StrEnum):
    ERROR = "error"
    NOT_CONNECTED = "not_connected"
    OK = "ok"
    UNAUTHORIZED = "unauthorized"
    UNREACHABLE = "unreachable"

    def __str__(self) -> str:
        return str(self.value)
