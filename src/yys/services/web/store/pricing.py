"""The live price on the booking form, by the same rule the order service bills (API.md):

nights = ceil((end - start) / 86400); room = price × nights (× guests when priced per person);
meals = food price × guests × nights when booked. Integer fen throughout, like the order
service, so the quote and the order total agree to the fen (tests/integration/web checks it
against real orders).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

DAY_SECONDS = 86400
PER_PERSON = 1


@dataclass(frozen=True)
class Quote:
    nights: int
    room_fen: int
    food_fen: int

    @property
    def total_fen(self) -> int:
        return self.room_fen + self.food_fen


def to_fen(yuan: float) -> int:
    return round(yuan * 100)


def fen_to_yuan(fen: int) -> float:
    return fen / 100


def day_start(value: str) -> int | None:
    """`YYYY-MM-DD` (a date input) → 00:00 UTC of that day in unix seconds; None if malformed."""
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        return None
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def quote(*, row_type: int, homestay_price: float, food_price: float, start: int, end: int,
          people: int, with_food: bool) -> Quote | None:
    """The price of a stay, or None when the stay is not a valid one to price."""
    if end <= start or people < 1:
        return None
    nights = -(-(end - start) // DAY_SECONDS)
    per_stay = to_fen(homestay_price) * nights
    room = per_stay * people if row_type == PER_PERSON else per_stay
    food = to_fen(food_price) * people * nights if with_food else 0
    return Quote(nights=nights, room_fen=room, food_fen=food)
