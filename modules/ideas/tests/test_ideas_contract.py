"""The Stadtkern module contract for the Ideenpool: migrations, auth on writes, city isolation, OpenAPI."""

from core.testing import ModuleContract


class TestContract(ModuleContract):
    """Every check of the test kit for this module, on SQLite and PostgreSQL."""

    module = "ideas"
