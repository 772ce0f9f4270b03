"""Reading OCPI 2.2.1 Locations: the spec's examples as they are, and the operators' variants repaired or rejected."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from ocpi_standin import SAMPLES, sample
from stadtkern_charging.ocpi.hours import is_open, parse_hours
from stadtkern_charging.ocpi.location import parse_location
from stadtkern_charging.ocpi.parse import parse_evse
from stadtkern_charging.ocpi.values import Rejected, Repairs, parse_datetime

UTC = dt.UTC


@pytest.mark.parametrize("name", SAMPLES)
def test_every_spec_example_reads_without_repair(name: str) -> None:
    record = parse_location(sample(name))
    assert not record.repaired, record.warnings
    assert record.warnings == []
    assert record.evses and all(e.connectors for e in record.evses)


def test_the_main_example_field_by_field() -> None:
    record = parse_location(sample("location_example.json"))
    assert record.source_id == "BE*BEC*LOC1"
    assert (record.lat, record.lon, record.country, record.parking_type) == (51.047599, 3.729944, "BEL", "ON_STREET")
    assert record.operator == {"name": "BeCharged"}
    first, second = record.evses
    assert (first.uid, first.evse_id, first.status, first.floor_level) == (
        "3256",
        "BE*BEC*E041503001",
        "AVAILABLE",
        "-1",
    )
    assert second.status == "RESERVED" and first.capabilities == ["RESERVABLE"]
    cable = first.connectors[0]
    assert (cable.standard, cable.format, cable.power_type) == ("IEC_62196_T2", "CABLE", "AC_3_PHASE")
    # 220 V line to neutral x 16 A x 3 phases
    assert cable.power_w == 10560 and cable.tariff_ids == ["11"]
    assert cable.last_updated == dt.datetime(2015, 3, 16, 10, 10, 2, tzinfo=UTC)


def test_the_invalid_add_evse_example_is_rejected_with_a_clear_message() -> None:
    repairs = Repairs()
    with pytest.raises(Rejected) as caught:
        parse_evse(sample("location_put_example_add_evse.json"), "body", None, repairs)
    message = str(caught.value)
    assert "body.connectors: no valid connector" in message and "power_type" in message
    assert "body.connectors[0]: rejected: body.connectors[0].power_type: missing or not a PowerType" in repairs.warnings


def test_the_add_evse_example_with_its_connector_completed_is_repaired() -> None:
    raw = sample("location_put_example_add_evse.json")
    raw["connectors"][0].update(power_type="AC_3_PHASE", max_voltage=230, max_amperage=32)
    repairs = Repairs()
    evse = parse_evse(raw, "body", None, repairs)
    assert (evse.floor_level, evse.physical_reference) == ("-1", "3")
    assert repairs.repaired
    assert "body.physical_reference: a number instead of a string" in repairs.warnings


@pytest.mark.parametrize(
    ("text", "expected", "repaired"),
    [
        ("2015-06-29T20:39:09Z", dt.datetime(2015, 6, 29, 20, 39, 9, tzinfo=UTC), False),
        ("2015-06-29T22:39:09+02:00", dt.datetime(2015, 6, 29, 20, 39, 9, tzinfo=UTC), True),
        ("2015-06-29T20:39:09.1234567Z", dt.datetime(2015, 6, 29, 20, 39, 9, 123456, tzinfo=UTC), True),
        ("2015-06-29T20:39:09", dt.datetime(2015, 6, 29, 20, 39, 9, tzinfo=UTC), True),
    ],
)
def test_timestamps_as_operators_send_them(text: str, expected: dt.datetime, repaired: bool) -> None:
    repairs = Repairs()
    assert parse_datetime(text, "last_updated", repairs) == expected
    assert repairs.repaired is repaired


def test_country_names_coordinates_and_unknown_fields_are_repaired_and_told() -> None:
    raw = copy.deepcopy(sample("location_example.json"))
    raw["country"] = "Belgium"
    raw["coordinates"] = {"latitude": 51.047599, "longitude": "3,729944"}
    raw["evses"][0]["status"] = "available"
    raw["help_phone"] = "+32 9 000"  # an OCPI 2.3 field
    record = parse_location(raw)
    assert record.repaired and record.country == "BEL" and record.evses[0].status == "AVAILABLE"
    assert (record.lat, record.lon) == (51.047599, 3.729944)
    assert "country: 'Belgium' read as BEL" in record.warnings
    assert any("help_phone" in w for w in record.warnings)
    assert record.raw["country"] == "Belgium"  # the raw record is kept as sent


def test_a_location_without_coordinates_is_rejected_naming_the_field() -> None:
    raw = sample("location_example.json")
    del raw["coordinates"]
    with pytest.raises(Rejected, match="coordinates"):
        parse_location(raw)


def test_an_evse_without_connectors_drops_only_that_evse() -> None:
    raw = sample("location_example.json")
    raw["evses"][1]["connectors"] = []
    record = parse_location(raw)
    assert [e.uid for e in record.evses] == ["3256"]
    assert any(w.startswith("evses[1]: rejected") for w in record.warnings)


def test_opening_hours_with_exceptions() -> None:
    repairs = Repairs()
    closing = parse_hours(sample("location_hours_opening_hours_with_exceptional_closing.json"), "h", repairs)
    opening = parse_hours(sample("location_hours_opening_hours_with_exceptional_opening.json"), "h", repairs)
    always = parse_hours(sample("location_hours_247_open_exception_closing.json"), "h", repairs)
    assert not repairs.warnings
    monday_2am_utc = dt.datetime(2018, 12, 24, 2, 0, tzinfo=UTC)  # 01:00-06:00 local (UTC here)
    assert is_open(closing, "UTC", monday_2am_utc)
    christmas_4am = dt.datetime(2018, 12, 25, 4, 0, tzinfo=UTC)  # a Tuesday, closed 03:00-05:00
    assert not is_open(closing, "UTC", christmas_4am)
    assert not is_open(always, "UTC", christmas_4am) and is_open(always, "UTC", christmas_4am.replace(hour=6))
    assert is_open(opening, "UTC", dt.datetime(2018, 12, 25, 5, 30, tzinfo=UTC))
    assert not is_open(opening, "UTC", dt.datetime(2018, 12, 25, 6, 30, tzinfo=UTC))


def test_regular_hours_are_local_time() -> None:
    garage = parse_location(sample("location_example_parking_garage_opening_hours.json"))
    hours = garage.opening_times
    # 07:00-18:00 in Malmö: 06:30 UTC in winter is 07:30 local (open), 17:30 UTC is 18:30 (closed)
    assert is_open(hours, "Europe/Stockholm", dt.datetime(2026, 1, 14, 6, 30, tzinfo=UTC))
    assert not is_open(hours, "Europe/Stockholm", dt.datetime(2026, 1, 14, 17, 30, tzinfo=UTC))
