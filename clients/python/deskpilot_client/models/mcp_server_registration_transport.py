from enum import StrEnum


class McpServerRegistrationTransport(StrEnum):
    HTTP = "http"
    STDIO = "stdio"

    def __str__(self) -> str:
        return str(self.value)
