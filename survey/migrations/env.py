"""Alembic environment: the URL comes from the caller (survey.migrate), never a file."""

from __future__ import annotations

from alembic import context

from survey.models import Base
from survey.storage.engines import make_engine

config = context.config
url = str(config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url"))
target_metadata = Base.metadata


def run_migrations() -> None:
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()
