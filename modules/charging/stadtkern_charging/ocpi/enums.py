"""The OCPI 2.2.1 vocabularies of the Locations module (mod_locations, tag 2.2.1), as the spec spells them."""

from __future__ import annotations

from typing import Literal, get_args

Status = Literal[
    "AVAILABLE",
    "BLOCKED",
    "CHARGING",
    "INOPERATIVE",
    "OUTOFORDER",
    "PLANNED",
    "REMOVED",
    "RESERVED",
    "UNKNOWN",
]
STATUSES: tuple[str, ...] = get_args(Status)

ConnectorType = Literal[
    "CHADEMO",
    "CHAOJI",
    "DOMESTIC_A",
    "DOMESTIC_B",
    "DOMESTIC_C",
    "DOMESTIC_D",
    "DOMESTIC_E",
    "DOMESTIC_F",
    "DOMESTIC_G",
    "DOMESTIC_H",
    "DOMESTIC_I",
    "DOMESTIC_J",
    "DOMESTIC_K",
    "DOMESTIC_L",
    "DOMESTIC_M",
    "DOMESTIC_N",
    "DOMESTIC_O",
    "GBT_AC",
    "GBT_DC",
    "IEC_60309_2_single_16",
    "IEC_60309_2_three_16",
    "IEC_60309_2_three_32",
    "IEC_60309_2_three_64",
    "IEC_62196_T1",
    "IEC_62196_T1_COMBO",
    "IEC_62196_T2",
    "IEC_62196_T2_COMBO",
    "IEC_62196_T3A",
    "IEC_62196_T3C",
    "NEMA_5_20",
    "NEMA_6_30",
    "NEMA_6_50",
    "NEMA_10_30",
    "NEMA_10_50",
    "NEMA_14_30",
    "NEMA_14_50",
    "PANTOGRAPH_BOTTOM_UP",
    "PANTOGRAPH_TOP_DOWN",
    "TESLA_R",
    "TESLA_S",
]
CONNECTOR_TYPES: tuple[str, ...] = get_args(ConnectorType)

ConnectorFormat = Literal["SOCKET", "CABLE"]
CONNECTOR_FORMATS: tuple[str, ...] = get_args(ConnectorFormat)

PowerType = Literal["AC_1_PHASE", "AC_2_PHASE", "AC_2_PHASE_SPLIT", "AC_3_PHASE", "DC"]
POWER_TYPES: tuple[str, ...] = get_args(PowerType)

Capability = Literal[
    "CHARGING_PROFILE_CAPABLE",
    "CHARGING_PREFERENCES_CAPABLE",
    "CHIP_CARD_SUPPORT",
    "CONTACTLESS_CARD_SUPPORT",
    "CREDIT_CARD_PAYABLE",
    "DEBIT_CARD_PAYABLE",
    "PED_TERMINAL",
    "REMOTE_START_STOP_CAPABLE",
    "RESERVABLE",
    "RFID_READER",
    "START_SESSION_CONNECTOR_REQUIRED",
    "TOKEN_GROUP_CAPABLE",
    "UNLOCK_CAPABLE",
]
CAPABILITIES: tuple[str, ...] = get_args(Capability)

ParkingRestriction = Literal["EV_ONLY", "PLUGGED", "DISABLED", "CUSTOMERS", "MOTORCYCLES"]
PARKING_RESTRICTIONS: tuple[str, ...] = get_args(ParkingRestriction)

ParkingType = Literal[
    "ALONG_MOTORWAY", "PARKING_GARAGE", "PARKING_LOT", "ON_DRIVEWAY", "ON_STREET", "UNDERGROUND_GARAGE"
]
PARKING_TYPES: tuple[str, ...] = get_args(ParkingType)

Facility = Literal[
    "HOTEL",
    "RESTAURANT",
    "CAFE",
    "MALL",
    "SUPERMARKET",
    "SPORT",
    "RECREATION_AREA",
    "NATURE",
    "MUSEUM",
    "BIKE_SHARING",
    "BUS_STOP",
    "TAXI_STAND",
    "TRAM_STOP",
    "METRO_STATION",
    "TRAIN_STATION",
    "AIRPORT",
    "PARKING_LOT",
    "CARPOOL_PARKING",
    "FUEL_STATION",
    "WIFI",
]
FACILITIES: tuple[str, ...] = get_args(Facility)

EnergySourceCategory = Literal["NUCLEAR", "GENERAL_FOSSIL", "COAL", "GAS", "GENERAL_GREEN", "SOLAR", "WIND", "WATER"]
ENERGY_SOURCE_CATEGORIES: tuple[str, ...] = get_args(EnergySourceCategory)

EnvironmentalImpactCategory = Literal["NUCLEAR_WASTE", "CARBON_DIOXIDE"]
IMPACT_CATEGORIES: tuple[str, ...] = get_args(EnvironmentalImpactCategory)

ImageCategory = Literal["CHARGER", "ENTRANCE", "LOCATION", "NETWORK", "OPERATOR", "OTHER", "OWNER"]
IMAGE_CATEGORIES: tuple[str, ...] = get_args(ImageCategory)

# What a driver sees: free, taken (by a car or a reservation), broken or switched off, not yet there.
FREE: frozenset[str] = frozenset({"AVAILABLE"})
OCCUPIED: frozenset[str] = frozenset({"CHARGING", "BLOCKED", "RESERVED"})
OUT_OF_ORDER: frozenset[str] = frozenset({"OUTOFORDER", "INOPERATIVE"})
# An EVSE in these is not counted among a location's charge points.
GONE: frozenset[str] = frozenset({"REMOVED"})
