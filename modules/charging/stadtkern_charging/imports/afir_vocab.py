"""DATEX II v3 (AFIR energy infrastructure) words as OCPI 2.2.1's."""

from __future__ import annotations

from typing import Any

CONNECTORS = {
    "iec62196t2": "IEC_62196_T2",
    "iec62196t2combo": "IEC_62196_T2_COMBO",
    "iec62196t1": "IEC_62196_T1",
    "iec62196t1combo": "IEC_62196_T1_COMBO",
    "iec62196t3a": "IEC_62196_T3A",
    "iec62196t3c": "IEC_62196_T3C",
    "chademo": "CHADEMO",
    "chaoji": "CHAOJI",
    "domesticf": "DOMESTIC_F",
    "domestice": "DOMESTIC_E",
    "teslas": "TESLA_S",
    "teslar": "TESLA_R",
    "gbtac": "GBT_AC",
    "gbtdc": "GBT_DC",
    "iec60309x2single16": "IEC_60309_2_single_16",
    "iec60309x2three16": "IEC_60309_2_three_16",
    "iec60309x2three32": "IEC_60309_2_three_32",
    "iec60309x2three64": "IEC_60309_2_three_64",
    "pantographbottomup": "PANTOGRAPH_BOTTOM_UP",
    "pantographtopdown": "PANTOGRAPH_TOP_DOWN",
}
STATUSES = {
    "available": "AVAILABLE",
    "charging": "CHARGING",
    "occupied": "CHARGING",
    "reserved": "RESERVED",
    "blocked": "BLOCKED",
    "faulted": "OUTOFORDER",
    "outoforder": "OUTOFORDER",
    "outofservice": "INOPERATIVE",
    "inoperative": "INOPERATIVE",
    "closed": "INOPERATIVE",
    "planned": "PLANNED",
    "removed": "REMOVED",
    "unknown": "UNKNOWN",
}
PAYMENT = {
    "nfc": "contactless",
    "contactless": "contactless",
    "creditcard": "credit_card",
    "debitcard": "debit_card",
    "rfid": "rfid",
    "app": "app",
    "website": "app",
    "cash": "cash",
}


def value(node: Any) -> str:
    """``{"value": "ac"}`` → ``"ac"`` (folded); anything else → ``""``."""
    if isinstance(node, dict) and isinstance(node.get("value"), str):
        return str(node["value"]).casefold()
    return ""


def text(node: Any, lang: str = "de") -> str | None:
    """A MultilingualString's text in ``lang``, else its first."""
    values = node.get("values") if isinstance(node, dict) else None
    if not isinstance(values, list):
        return None
    texts = [v for v in values if isinstance(v, dict) and isinstance(v.get("value"), str)]
    for item in texts:
        if item.get("lang") == lang:
            return str(item["value"]).strip()
    return str(texts[0]["value"]).strip() if texts else None
