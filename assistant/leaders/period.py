"""The period a leader's figures cover: whole days, both ends included."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

DEFAULT_DAYS = 30
MONTH_DAYS = 30  # pace counts a month as 30 days


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise ValueError(
                f"the period starts ({self.start.isoformat()}) after it ends "
                f"({self.end.isoformat()})"
            )

    @classmethod
    def ending(cls, end: date, days: int = DEFAULT_DAYS) -> Period:
        """The `days` days up to and including `end`."""
        if days < 1:
            raise ValueError(f"a period has at least one day, not {days}")
        return cls(end - timedelta(days=days - 1), end)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def months(self) -> float:
        return self.days / MONTH_DAYS

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    def label(self) -> str:
        return f"{self.start.isoformat()} – {self.end.isoformat()}"
