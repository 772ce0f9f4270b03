"""The Stadtkern module contract for the waste calendar, run by the test kit like any partner's."""

from core.testing import ModuleContract


class TestContract(ModuleContract):
    """Migrations, auth on writes, city isolation and OpenAPI, on SQLite and PostgreSQL."""

    module = "waste"
