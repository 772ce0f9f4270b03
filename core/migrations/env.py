"""Alembic environment shared by every lineage (core, push, each module).

The runner in ``core.migrate`` hands over an open connection and the lineage's version table;
this file never opens connections of its own and never reads a URL from a file.
"""

from alembic import context

from core.api.db import metadata

config = context.config
connection = config.attributes["connection"]

context.configure(
    connection=connection,
    target_metadata=metadata,
    version_table=config.attributes["version_table"],
    render_as_batch=connection.dialect.name == "sqlite",
    transaction_per_migration=False,
)
with context.begin_transaction():
    context.run_migrations()
