from enum import StrEnum


class NewApiKeyRole(StrEnum):
    ADMIN = "admin"
    OWNER = "owner"

    def __str__(self) -> str:
        return str(self.value)
