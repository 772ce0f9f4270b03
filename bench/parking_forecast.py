"""Replays a year of car-park history and prints the forecast's mean absolute error per horizon.

    .venv/bin/python bench/parking_forecast.py [--facilities 12] [--seed 7]

The year is generated (no real series of a German car park's minutes is public here): the weekly
shape of ``stadtkern_parking.simulate`` (shopping hours, busy Saturdays, quiet Sundays and nights)
per facility, NRW's 2026 public holidays run like Sundays, a persistent deviation (an AR(1) process
on the occupied share: weather, school holidays, a closed neighbour), unforeseeable evening events
on about one day in fifty, and counting noise. From week 9 on, every quarter-hour, the module's
forecast (``stadtkern_parking.forecast``: the facility's own weekday x quarter-hour profile over the
last 8 weeks plus the current deviation decaying at the facility's own estimated rate) predicts
+15 … +120 min and is compared with the two naive baselines: the last value, and the same time
last week. The last line is JSON.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "modules" / "parking"))

from stadtkern_parking.forecast import HORIZONS_MIN, QUARTERS, WEEKS, build, predict
from stadtkern_parking.simulate import occupied_share

YEAR = 2026
HOLIDAYS = {
    dt.date(YEAR, m, d)
    for m, d in [(1, 1), (4, 3), (4, 6), (5, 1), (5, 14), (5, 25), (6, 4), (10, 3), (11, 1), (12, 25), (12, 26)]
}
SUNDAY = dt.date(YEAR, 1, 4)


def generate(key: str, capacity: int, rng: random.Random) -> list[tuple[dt.date, list[int]]]:
    """A year of quarter-hour free counts for one facility."""
    days: list[tuple[dt.date, list[int]]] = []
    deviation = 0.0
    day = dt.date(YEAR, 1, 1)
    while day.year == YEAR:
        shape_day = SUNDAY if day in HOLIDAYS else day
        event = rng.random() < 0.02
        values = []
        for q in range(QUARTERS):
            local = dt.datetime.combine(shape_day, dt.time(q // 4, (q % 4) * 15))
            deviation = 0.97 * deviation + rng.gauss(0, 0.02)
            share = occupied_share(key, local) + deviation + rng.gauss(0, 0.01)
            if event and 72 <= q < 88:  # 18:00-22:00
                share += 0.3
            values.append(max(0, min(capacity, round(capacity * (1 - min(max(share, 0.0), 1.0))))))
        days.append((day, values))
        day += dt.timedelta(days=1)
    return days


def replay(days: list[tuple[dt.date, list[int]]], capacity: int, errors: dict[str, dict[int, list[float]]]) -> None:
    """Every quarter-hour from week 9 on: forecast and baselines against what happened."""
    series = [v for _, values in days for v in values]
    for index in range(WEEKS * 7, len(days)):
        day, _ = days[index]
        model = build(days[max(0, index - WEEKS * 7) : index])
        for q in range(QUARTERS):
            now = index * QUARTERS + q
            current = series[now]
            for horizon in HORIZONS_MIN:
                target = now + horizon // 15
                if target >= len(series):
                    continue
                truth = series[target]
                guess = predict(model, current, day.weekday(), q * 15, horizon, capacity)
                errors["forecast"][horizon].append(abs(guess - truth))
                errors["last_value"][horizon].append(abs(current - truth))
                errors["last_week"][horizon].append(abs(series[target - 7 * QUARTERS] - truth))


def main() -> None:
    """Generates, replays, prints the table and the JSON line."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--facilities", type=int, default=12)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    methods = ("forecast", "last_value", "last_week")
    errors: dict[str, dict[int, list[float]]] = {m: {h: [] for h in HORIZONS_MIN} for m in methods}
    started = time.perf_counter()
    for number in range(args.facilities):
        capacity = rng.choice([120, 250, 400, 600, 900])
        replay(generate(f"facility-{number}", capacity, rng), capacity, errors)
    mae = {h: {m: sum(errors[m][h]) / len(errors[m][h]) for m in errors} for h in HORIZONS_MIN}
    print(f"{args.facilities} facilities x {YEAR} (quarter-hours), replayed from week {WEEKS + 1}")
    print(f"{'horizon':>8} {'forecast':>10} {'last value':>11} {'last week':>10}   (mean absolute error, spaces)")
    for h in HORIZONS_MIN:
        row = mae[h]
        print(f"{h:>5} min {row['forecast']:>10.2f} {row['last_value']:>11.2f} {row['last_week']:>10.2f}")
    beats = all(mae[h]["forecast"] < min(mae[h]["last_value"], mae[h]["last_week"]) for h in HORIZONS_MIN)
    print(f"forecast beats both baselines at every horizon: {beats} ({time.perf_counter() - started:.1f} s)")
    result = {
        "bench": "parking_forecast",
        "facilities": args.facilities,
        "points_per_horizon": len(errors["forecast"][HORIZONS_MIN[0]]),
        "mae": {str(h): {m: round(v, 3) for m, v in mae[h].items()} for h in HORIZONS_MIN},
        "beats_both_baselines": beats,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
