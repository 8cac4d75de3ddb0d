from enum import StrEnum


class SsoConfigInDefaultRoleType1(StrEnum):
    ADMIN = "admin"
    AGENT = "agent"
    OWNER = "owner"

    def __str__(self) -> str:
        return str(self.value)
