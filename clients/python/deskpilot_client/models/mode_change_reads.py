from enum import StrEnum


class ModeChangeReads(StrEnum):
    LIVE = "live"
    SIMULATED = "simulated"

    def __str__(self) -> str:
        return str(self.value)
