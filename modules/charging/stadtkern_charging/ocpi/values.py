"""Tolerant readers for OCPI's scalar types: what real operators send besides what the spec says."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

# OCPI DateTime is UTC "2015-06-29T20:39:09Z"; operators also send offsets, 7 fractional digits
# (.NET) and no zone at all.
_DATETIME = re.compile(
    r"^(?P<base>\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2})?)(?:\.(?P<frac>\d+))?(?P<zone>Z|z|[+-]\d{2}:?\d{2})?$"
)

# Countries operators name instead of ISO 3166-1 alpha-3 (and the alpha-2 codes they send).
_COUNTRIES = {
    "de": "DEU",
    "deu": "DEU",
    "germany": "DEU",
    "deutschland": "DEU",
    "be": "BEL",
    "bel": "BEL",
    "belgium": "BEL",
    "belgië": "BEL",
    "belgique": "BEL",
    "nl": "NLD",
    "nld": "NLD",
    "netherlands": "NLD",
    "the netherlands": "NLD",
    "nederland": "NLD",
    "at": "AUT",
    "aut": "AUT",
    "austria": "AUT",
    "österreich": "AUT",
    "ch": "CHE",
    "che": "CHE",
    "switzerland": "CHE",
    "schweiz": "CHE",
    "fr": "FRA",
    "fra": "FRA",
    "france": "FRA",
    "frankreich": "FRA",
    "lu": "LUX",
    "lux": "LUX",
    "luxembourg": "LUX",
    "luxemburg": "LUX",
    "dk": "DNK",
    "dnk": "DNK",
    "denmark": "DNK",
    "dänemark": "DNK",
    "pl": "POL",
    "pol": "POL",
    "poland": "POL",
    "polen": "POL",
    "se": "SWE",
    "swe": "SWE",
    "sweden": "SWE",
    "schweden": "SWE",
    "cz": "CZE",
    "cze": "CZE",
    "czechia": "CZE",
    "tschechien": "CZE",
    "it": "ITA",
    "ita": "ITA",
    "italy": "ITA",
    "italien": "ITA",
    "es": "ESP",
    "esp": "ESP",
    "spain": "ESP",
    "spanien": "ESP",
    "no": "NOR",
    "nor": "NOR",
    "norway": "NOR",
    "norwegen": "NOR",
    "gb": "GBR",
    "gbr": "GBR",
    "united kingdom": "GBR",
}


class Repairs:
    """The warnings of one record; ``repaired`` is set when a value was changed rather than only noted."""

    def __init__(self) -> None:
        self.warnings: list[str] = []
        self.repaired = False

    def note(self, field: str, message: str) -> None:
        """A remark that changed nothing (an ignored field)."""
        self.warnings.append(f"{field}: {message}")

    def repair(self, field: str, message: str) -> None:
        """A value that was changed to fit the spec."""
        self.warnings.append(f"{field}: {message}")
        self.repaired = True


class Rejected(ValueError):
    """The record cannot be kept; the message names the field."""


def parse_datetime(value: Any, field: str, repairs: Repairs) -> dt.datetime:
    """An OCPI DateTime in UTC; offsets are converted, no zone is taken as UTC, extra digits are cut."""
    if not isinstance(value, str):
        raise Rejected(f"{field}: not a DateTime ({value!r})")
    match = _DATETIME.match(value.strip())
    if not match:
        raise Rejected(f"{field}: not a DateTime ({value[:40]!r})")
    base, frac, zone = match["base"].replace(" ", "T"), match["frac"] or "", match["zone"]
    if len(frac) > 6:
        repairs.repair(field, f"{len(frac)} fractional digits cut to 6")
        frac = frac[:6]
    text = base + (f".{frac}" if frac else "")
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise Rejected(f"{field}: not a DateTime ({value[:40]!r})") from exc
    if zone is None:
        repairs.repair(field, "no time zone, taken as UTC")
        return moment.replace(tzinfo=dt.UTC)
    if zone in ("Z", "z"):
        return moment.replace(tzinfo=dt.UTC)
    offset = dt.datetime.strptime(zone.replace(":", ""), "%z").tzinfo
    if moment.replace(tzinfo=offset).utcoffset() != dt.timedelta(0):
        repairs.repair(field, f"offset {zone} converted to UTC")
    return moment.replace(tzinfo=offset).astimezone(dt.UTC)


def format_datetime(moment: dt.datetime) -> str:
    """OCPI's spelling: UTC with a Z, whole seconds unless there is a fraction."""
    moment = moment.astimezone(dt.UTC)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text += f".{moment.microsecond:06d}".rstrip("0")
    return text + "Z"


def parse_coordinate(value: Any, field: str, low: float, high: float, repairs: Repairs) -> float:
    """A GeoLocation coordinate: a string in the spec; numbers and decimal commas are repaired."""
    if isinstance(value, bool) or value is None:
        raise Rejected(f"{field}: missing")
    if isinstance(value, int | float):
        repairs.repair(field, "a number instead of a string")
        number = float(value)
    elif isinstance(value, str):
        text = value.strip()
        if "," in text and "." not in text:
            repairs.repair(field, "decimal comma")
            text = text.replace(",", ".")
        try:
            number = float(text)
        except ValueError as exc:
            raise Rejected(f"{field}: not a number ({value[:20]!r})") from exc
    else:
        raise Rejected(f"{field}: not a coordinate")
    if not low <= number <= high:
        raise Rejected(f"{field}: {number} out of range")
    return number


def parse_country(value: Any, field: str, repairs: Repairs) -> str:
    """ISO 3166-1 alpha-3; a country name or an alpha-2 code is mapped (and noted)."""
    if not isinstance(value, str) or not value.strip():
        raise Rejected(f"{field}: missing")
    text = value.strip()
    if re.fullmatch(r"[A-Z]{3}", text):
        return text
    code = _COUNTRIES.get(text.casefold())
    if code is None:
        raise Rejected(f"{field}: not an ISO 3166-1 alpha-3 code ({text[:40]!r})")
    repairs.repair(field, f"{text!r} read as {code}")
    return code


def text(value: Any, field: str, limit: int, repairs: Repairs, *, required: bool = False) -> str | None:
    """A string field; numbers are turned into text, over-long text is cut to the spec's length."""
    if value is None or value == "":
        if required:
            raise Rejected(f"{field}: missing")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise Rejected(f"{field}: not a string")
    if not isinstance(value, str):
        repairs.repair(field, "a number instead of a string")
        value = str(value)
    if len(value) > limit:
        repairs.repair(field, f"cut to {limit} characters")
        value = value[:limit]
    return str(value)


def integer(value: Any, field: str, repairs: Repairs) -> int | None:
    """An int field; "16" and 16.0 are repaired."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise Rejected(f"{field}: not a number")
    if isinstance(value, int):
        return value
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise Rejected(f"{field}: not a number ({str(value)[:20]!r})") from exc
    repairs.repair(field, "not an integer")
    return round(number)
