"""The register's vocabulary: column names (current and older exports), plug labels, payment words."""

from __future__ import annotations

import re

from stadtkern_charging.ocpi.enums import Status

# Our field → the column names exports have used for it (compared folded: case, spaces, punctuation).
COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("Ladeeinrichtungs-ID", "LadeeinrichtungsID"),
    "operator": ("Betreiber",),
    "display_name": ("Anzeigename (Karte)",),
    "status": ("Status",),
    "kind": ("Art der Ladeeinrichtung", "Art der Ladeeinrichung", "Normal-/Schnellladeeinrichtung"),
    "points": ("Anzahl Ladepunkte",),
    "power": ("Nennleistung Ladeeinrichtung [kW]", "Anschlussleistung"),
    "commissioned": ("Inbetriebnahmedatum",),
    "street": ("Straße", "Strasse"),
    "number": ("Hausnummer",),
    "address_extra": ("Adresszusatz",),
    "postal_code": ("Postleitzahl",),
    "city": ("Ort",),
    "district": ("Kreis/kreisfreie Stadt",),
    "state": ("Bundesland",),
    "lat": ("Breitengrad",),
    "lon": ("Längengrad",),
    "site": ("Standortbezeichnung",),
    "parking": ("Informationen zum Parkraum",),
    "payment": ("Bezahlsysteme",),
    "hours": ("Öffnungszeiten",),
    "hours_days": ("Öffnungszeiten: Wochentage",),
    "hours_times": ("Öffnungszeiten: Tageszeiten",),
}
# Per charge point n (1..6): plug types, power, EVSE id (older exports: "P1 [kW]").
POINT_COLUMNS: dict[str, tuple[str, ...]] = {
    "plugs": ("Steckertypen{n}",),
    "power": ("Nennleistung Stecker{n}", "P{n} [kW]"),
    "evse_id": ("EVSE-ID{n}",),
}
MAX_POINTS = 6

# Plug label → (OCPI standard, format, power type).
PLUGS: dict[str, tuple[str, str, str]] = {
    "ac typ 2 steckdose": ("IEC_62196_T2", "SOCKET", "AC_3_PHASE"),
    "ac steckdose typ 2": ("IEC_62196_T2", "SOCKET", "AC_3_PHASE"),
    "ac typ 2 fahrzeugkupplung": ("IEC_62196_T2", "CABLE", "AC_3_PHASE"),
    "ac kupplung typ 2": ("IEC_62196_T2", "CABLE", "AC_3_PHASE"),
    "ac typ 1 fahrzeugkupplung": ("IEC_62196_T1", "CABLE", "AC_1_PHASE"),
    "ac schuko": ("DOMESTIC_F", "SOCKET", "AC_1_PHASE"),
    "ac cee 3 polig": ("IEC_60309_2_single_16", "SOCKET", "AC_1_PHASE"),
    "ac cee 5 polig": ("IEC_60309_2_three_32", "SOCKET", "AC_3_PHASE"),
    "dc fahrzeugkupplung typ combo 2 (ccs)": ("IEC_62196_T2_COMBO", "CABLE", "DC"),
    "dc kupplung combo": ("IEC_62196_T2_COMBO", "CABLE", "DC"),
    "dc ccs": ("IEC_62196_T2_COMBO", "CABLE", "DC"),
    "dc fahrzeugkupplung typ combo 1 (ccs)": ("IEC_62196_T1_COMBO", "CABLE", "DC"),
    "dc chademo": ("CHADEMO", "CABLE", "DC"),
    "dc chademo kupplung": ("CHADEMO", "CABLE", "DC"),
    "dc tesla supercharger": ("TESLA_S", "CABLE", "DC"),
}

# "Bezahlsysteme" words → our payment methods; "Kostenlos" means free of charge.
PAYMENT: dict[str, str] = {
    "rfid-karte": "rfid",
    "onlinezahlungsverfahren": "app",
    "kreditkarte (nfc)": "contactless",
    "debitkarte (nfc)": "contactless",
    "kreditkarte (lesegerät)": "credit_card",
    "debitkarte (lesegerät)": "debit_card",
    "kreditkarte": "credit_card",
    "debitkarte": "debit_card",
    "bargeld": "cash",
}
FREE_WORDS = frozenset({"kostenlos"})

# Status words → OCPI Status; "In Betrieb" says nothing about now, so it is UNKNOWN (static).
STATUS: dict[str, Status] = {
    "in betrieb": "UNKNOWN",
    "außer betrieb": "INOPERATIVE",
    "in wartung": "INOPERATIVE",
    "in planung": "PLANNED",
    "geplant": "PLANNED",
}

WEEKDAYS = {"montag": 1, "dienstag": 2, "mittwoch": 3, "donnerstag": 4, "freitag": 5, "samstag": 6, "sonntag": 7}


def fold(name: str) -> str:
    """A column name compared loosely: lower case, no spaces or punctuation."""
    return re.sub(r"[^0-9a-zäöüß]", "", name.casefold())


def split_cells(value: str) -> list[str]:
    """A multi-value cell ("RFID-Karte;Onlinezahlungsverfahren", "AC Typ 2 Steckdose; AC Schuko")."""
    return [part.strip() for part in re.split(r"[;,]", value) if part.strip()]
