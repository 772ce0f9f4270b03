"""Alembic environment shared by every lineage (core, push, each module).

The runner in ``core.migrate`` hands over an open connection and the lineage's version table;
this file never opens connections of its own and never reads a URL from a file. For
``stadtkern revision`` it also receives which tables belong to the lineage being generated.
"""

from alembic import context

from core.api.db import metadata
from core.autogen import compare_type, include_only, render_item

config = context.config
connection = config.attributes["connection"]

context.configure(
    connection=connection,
    target_metadata=metadata,
    version_table=config.attributes["version_table"],
    render_as_batch=connection.dialect.name == "sqlite",
    transaction_per_migration=False,
    include_object=include_only(config.attributes.get("owns_table")),
    render_item=render_item,
    compare_type=compare_type,
)
with context.begin_transaction():
    context.run_migrations()
