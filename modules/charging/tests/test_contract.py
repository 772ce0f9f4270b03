"""The Stadtkern module contract for charging: migrations, auth on writes, city isolation, OpenAPI."""

from core.testing import ModuleContract

_BASE = "/v1/{tenant:str}/charging/ocpi/2.2.1/emsp/locations/{country_code:str}/{party_id:str}/{location_id:str}"


class TestContract(ModuleContract):
    """Runs every check of the test kit for this module, on SQLite and PostgreSQL."""

    module = "charging"
    # The OCPI receiver: partners authenticate with their OCPI token, checked in the handler
    # (test_charging_receiver.py: 401 without or with a wrong token or a staff credential, 403 for another party).
    anonymous_writes = tuple(
        (method, path)
        for method in ("PUT", "PATCH")
        for path in (_BASE, _BASE + "/{evse_uid:str}", _BASE + "/{evse_uid:str}/{connector_id:str}")
    )
