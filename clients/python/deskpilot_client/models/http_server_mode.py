from enum import StrEnum


class HttpServerMode(StrEnum):
    DRY_RUN = "dry_run"
    LIVE = "live"

    def __str__(self) -> str:
        return str(self.value)
