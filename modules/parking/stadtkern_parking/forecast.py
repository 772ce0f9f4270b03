"""Free spaces in +15 min … +2 h, from the facility's own history.

The method: the facility's weekday x quarter-hour profile (the mean of the same weekday over the
last weeks, from the day rows) plus today's deviation from it, decaying towards the profile. The
deviation of a car park from its usual day (weather, an event, a closed neighbour) persists for a
while and then fades; modelled as a first-order autoregression, the best linear prediction of the
deviation ``k`` quarter-hours ahead is ``rho ** k`` times today's, with ``rho`` the lag-one
autocorrelation of the facility's own past deviations. Short horizons so follow the current value,
long ones the profile. ``bench/parking_forecast.py`` replays a year against the two naive
baselines (last value; same time last week).
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

QUARTERS = 96
HORIZONS_MIN = (15, 30, 60, 90, 120)
WEEKS = 8
# Without enough history to estimate it: a deviation halves in about three hours.
DEFAULT_RHO = 0.94
RHO_BOUNDS = (0.5, 0.995)

Day = Sequence[int | float | None]


@dataclass(frozen=True, slots=True)
class Model:
    """A facility's profile per weekday (Monday 0) and the persistence of its deviations."""

    profiles: dict[int, list[float | None]]
    rho: float
    days: int


def profile(days: Sequence[Day]) -> list[float | None]:
    """The mean of each quarter-hour over the given days (None where no day has data)."""
    out: list[float | None] = []
    for q in range(QUARTERS):
        values = [float(v) for day in days if q < len(day) and (v := day[q]) is not None]
        out.append(sum(values) / len(values) if values else None)
    return out


def persistence(days: Sequence[tuple[int, Day]], profiles: dict[int, list[float | None]]) -> float:
    """The lag-one autocorrelation of the deviations from the profile, within each day."""
    num = den = 0.0
    for weekday, day in days:
        base = profiles.get(weekday)
        if base is None:
            continue
        dev = [None if v is None or b is None else float(v) - b for v, b in zip(day, base, strict=False)]
        for a, b in itertools.pairwise(dev):
            if a is not None and b is not None:
                num += a * b
                den += a * a
    if den == 0:
        return DEFAULT_RHO
    return min(max(num / den, RHO_BOUNDS[0]), RHO_BOUNDS[1])


def build(days: Sequence[tuple[dt.date, Day]]) -> Model:
    """The model from day rows (the last ``WEEKS`` weeks are what counts)."""
    by_weekday: dict[int, list[Day]] = defaultdict(list)
    for day, values in days:
        by_weekday[day.weekday()].append(values)
    profiles = {w: profile(v[-WEEKS:]) for w, v in by_weekday.items()}
    rho = persistence([(d.weekday(), v) for d, v in days], profiles)
    return Model(profiles=profiles, rho=rho, days=len(days))


def _expected(model: Model, weekday: int, quarter: int) -> float | None:
    weekday, quarter = (weekday + quarter // QUARTERS) % 7, quarter % QUARTERS
    values = model.profiles.get(weekday)
    return values[quarter] if values else None


def predict(
    model: Model, current: float, weekday: int, minute_of_day: float, horizon_min: int, capacity: int | None
) -> float:
    """Free spaces ``horizon_min`` after a moment (local weekday and minute of the day)."""
    quarter = int(minute_of_day // 15)
    now_expected = _expected(model, weekday, quarter)
    future = _expected(model, weekday, int((minute_of_day + horizon_min) // 15))
    if now_expected is None or future is None:
        value = current
    else:
        value = future + (current - now_expected) * model.rho ** (horizon_min / 15)
    upper = float(capacity) if capacity is not None else math.inf
    return min(max(value, 0.0), upper)
