"""Alembic environment for the LMS tables (all named lms_*), run through Flask-Migrate."""

from alembic import context
from flask import current_app

config = context.config
extension = current_app.extensions["migrate"]
metadata = extension.db.metadata


def include_name(name, type_, parent_names):
    """Only the LMS's own tables: a host app's tables are none of our business."""
    return type_ != "table" or name.startswith("lms_")


def run_migrations_offline() -> None:
    context.configure(url=str(extension.db.engine.url), target_metadata=metadata,
                      literal_binds=True, include_name=include_name,
                      **extension.configure_args)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    with extension.db.engine.connect() as connection:
        context.configure(connection=connection, target_metadata=metadata,
                          include_name=include_name, **extension.configure_args)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
