"""The Bundesnetzagentur Ladesäulenregister (CSV download) read as a stream of Location records.

The file has preamble lines before the header, ``;`` separators, decimal commas, a BOM, CRLF,
multi-value cells and quoted line breaks (public keys); the header is found by its content and
columns are mapped by name (older exports differ). One row is one charging facility
(Ladeeinrichtung) → a Location; each of its charge points (Ladepunkt) → an EVSE; each plug type
of a point → a Connector. The register has no live status ("In Betrieb" is UNKNOWN, static)."""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from stadtkern_charging import payment
from stadtkern_charging.imports.bnetza_columns import (
    COLUMNS,
    FREE_WORDS,
    MAX_POINTS,
    PAYMENT,
    PLUGS,
    POINT_COLUMNS,
    STATUS,
    fold,
    split_cells,
)
from stadtkern_charging.imports.bnetza_hours import opening_times
from stadtkern_charging.ocpi.enums import Status
from stadtkern_charging.ocpi.records import ConnectorRecord, EvseRecord, LocationRecord
from stadtkern_charging.ocpi.values import Rejected, Repairs

PARTY = ("DE", "BNA")  # the register as an OCPI party: country DE, "BNA" for Bundesnetzagentur
_UPDATED = re.compile(r"Letzte Aktualisierung vom:\s*(\d{2})\.(\d{2})\.(\d{4})")


@dataclass(slots=True)
class Row:
    """One data row, by our field names, with its line for messages."""

    line: int
    values: dict[str, str]

    def get(self, name: str) -> str:
        """A cell, stripped ("" when the export lacks the column)."""
        return self.values.get(name, "").strip()


class Header:
    """Where each field sits in this export."""

    def __init__(self, cells: list[str]) -> None:
        folded = {fold(c): i for i, c in enumerate(cells) if c.strip()}
        self.index: dict[str, int] = {}
        for name, options in COLUMNS.items():
            for option in options:
                if fold(option) in folded:
                    self.index[name] = folded[fold(option)]
                    break
        for n in range(1, MAX_POINTS + 1):
            for name, options in POINT_COLUMNS.items():
                for option in options:
                    if fold(option.format(n=n)) in folded:
                        self.index[f"{name}{n}"] = folded[fold(option.format(n=n))]
                        break

    @staticmethod
    def looks_like(cells: list[str]) -> bool:
        """The header row: it names the operator and both coordinates."""
        names = {fold(c) for c in cells}
        return {fold("Betreiber"), fold("Breitengrad"), fold("Längengrad")} <= names

    def row(self, line: int, cells: list[str]) -> Row:
        """The row's cells by field name."""
        return Row(line, {name: cells[i] for name, i in self.index.items() if i < len(cells)})


def read_rows(lines: Iterable[str]) -> Iterator[Row | dt.date]:
    """The export's date (from the preamble, when told) and then every data row, streaming."""
    reader = csv.reader(lines, delimiter=";")
    header: Header | None = None
    for cells in reader:
        if header is None:
            joined = ";".join(cells)
            match = _UPDATED.search(joined)
            if match:
                yield dt.date(int(match[3]), int(match[2]), int(match[1]))
            if Header.looks_like(cells):
                header = Header(cells)
            continue
        if any(c.strip() for c in cells):
            yield header.row(reader.line_num, cells)
    if header is None:
        raise Rejected("no header row (Betreiber; Breitengrad; Längengrad) found")


def _number(text: str, field: str) -> float:
    try:
        return float(text.replace(".", "").replace(",", ".") if "," in text else text)
    except ValueError as exc:
        raise Rejected(f"{field}: not a number ({text[:20]!r})") from exc


def _connector(label: str, watts: int, field: str, updated: dt.datetime, repairs: Repairs) -> ConnectorRecord | None:
    plug = PLUGS.get(label.casefold())
    if plug is None:
        repairs.repair(field, f"plug {label[:60]!r} has no OCPI standard, left out")
        return None
    standard, fmt, power_type = plug
    if power_type == "DC":
        volts = 1000 if watts > 150000 else 500
        amps = max(1, math.ceil(watts / volts))
    else:
        phases = 3 if power_type == "AC_3_PHASE" else 1
        volts, amps = 230, max(1, math.ceil(watts / (230 * phases)))
    return ConnectorRecord(
        connector_id="1",
        standard=standard,
        format=fmt,
        power_type=power_type,
        max_voltage=volts,
        max_amperage=amps,
        max_electric_power=watts,
        last_updated=updated,
    )


# A Schuko socket delivers at most 230 V x 16 A; the register often repeats the point's power for it.
SCHUKO_MAX_W = 3700


def _plug_powers(row: Row, n: int, count: int) -> list[int]:
    """The power of each plug of point n ("22; 22": one per plug type; one value: all of them)."""
    cells = [c for c in row.get(f"power{n}").split(";") if c.strip()] or (
        [row.get("power")] if row.get("power") else []
    )
    watts = [round(_number(c.strip(), f"Nennleistung Stecker{n}") * 1000) for c in cells]
    if not watts:
        return [0] * count
    return (watts + [watts[-1]] * count)[:count]


def _points(row: Row, ident: str, status: Status, updated: dt.datetime, repairs: Repairs) -> list[EvseRecord]:
    evses = []
    for n in range(1, MAX_POINTS + 1):
        labels = split_cells(row.get(f"plugs{n}"))
        if not labels:
            continue
        connectors: list[ConnectorRecord] = []
        for label, watts in zip(labels, _plug_powers(row, n, len(labels)), strict=True):
            if watts <= 0:
                repairs.repair(f"Nennleistung Stecker{n}", f"no power for {label[:40]!r}, plug left out")
                continue
            if label.casefold() == "ac schuko" and watts > SCHUKO_MAX_W:
                repairs.repair(f"Steckertypen{n}", f"Schuko at {watts / 1000:g} kW capped to 3.7 kW")
                watts = SCHUKO_MAX_W
            connector = _connector(label, watts, f"Steckertypen{n}", updated, repairs)
            if connector is not None:
                connector.connector_id = str(len(connectors) + 1)
                connectors.append(connector)
        if not connectors:
            continue
        evse_id = row.get(f"evse_id{n}") or None
        evses.append(
            EvseRecord(uid=f"{ident}-{n}", evse_id=evse_id, status=status, connectors=connectors, last_updated=updated)
        )
    return evses


def _address(row: Row) -> str:
    street = " ".join(p for p in (row.get("street"), row.get("number")) if p)
    extra = row.get("address_extra")
    return (f"{street}, {extra}" if extra else street)[:255] or "-"


def _payment(row: Row) -> tuple[int, bool | None]:
    words = [w.casefold() for w in split_cells(row.get("payment"))]
    free = True if any(w in FREE_WORDS for w in words) else None
    return payment.mask(PAYMENT[w] for w in words if w in PAYMENT), free


def to_record(row: Row, updated: dt.datetime, time_zone: str = "Europe/Berlin") -> LocationRecord:
    """One register row as a Location; raises :class:`Rejected` naming the column."""
    repairs = Repairs()
    ident = row.get("id")
    lat = _number(row.get("lat"), "Breitengrad")
    lon = _number(row.get("lon"), "Längengrad")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise Rejected(f"Breitengrad/Längengrad: ({lat}, {lon}) out of range")
    if not ident:
        # Older exports have no id: operator and place make one that stays the same between downloads.
        ident = re.sub(r"[^0-9A-Za-z]", "", f"{row.get('operator')[:12]}{lat:.5f}{lon:.5f}")[:36]
        repairs.note("Ladeeinrichtungs-ID", "missing, made from operator and coordinates")
    status = STATUS.get(row.get("status").casefold(), "UNKNOWN")
    evses = _points(row, ident, status, updated, repairs)
    if not evses:
        raise Rejected("Steckertypen: no charge point with a known plug and power")
    mask, free = _payment(row)
    operator = row.get("operator")
    return LocationRecord(
        country_code=PARTY[0],
        party_id=PARTY[1],
        ocpi_id=ident[:36],
        name=(row.get("display_name") or row.get("site") or operator or None),
        address=_address(row),
        city=row.get("city")[:100] or "-",
        postal_code=row.get("postal_code")[:20] or None,
        state=row.get("state")[:60] or None,
        country="DEU",
        lat=lat,
        lon=lon,
        time_zone=time_zone,
        last_updated=updated,
        operator={"name": operator[:100]} if operator else None,
        opening_times=opening_times(row.get("hours"), row.get("hours_days"), row.get("hours_times"), repairs),
        evses=evses,
        payment_mask=mask,
        free_of_charge=free,
        raw={k: v for k, v in row.values.items() if v.strip()},
        warnings=repairs.warnings,
        repaired=repairs.repaired,
        live=False,
    )
