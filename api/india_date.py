"""The date in India: returns are filed, verified and revised on Indian dates (IST, UTC+05:30,
no daylight saving), whatever the server's time zone. Read here, at the edge, and passed to
commands as an input: no rule in domain/ reads the clock."""

from __future__ import annotations

import datetime as dt

IST = dt.timezone(dt.timedelta(hours=5, minutes=30))


def today_in_india() -> dt.date:
    return dt.datetime.now(IST).date()
