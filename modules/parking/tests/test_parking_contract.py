"""The Stadtkern module contract for parking: migrations, auth on writes, city isolation, OpenAPI."""

from core.testing import ModuleContract


class TestContract(ModuleContract):
    """Runs every check of the test kit for this module, on SQLite and PostgreSQL."""

    module = "parking"
