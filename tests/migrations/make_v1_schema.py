"""Migrations room (tests): regenerate the frozen schema-version-1 DDL fixtures.

Run once, by hand, against the models.py of the commit that shipped schema version 1
(798f4af): ``git show 798f4af:models.py > /tmp/models_v1.py`` then
``python tests/migrations/make_v1_schema.py /tmp/models_v1.py``. It records the exact
CREATE statements peewee issued for SQLite and PostgreSQL into schema_v1.<dialect>.sql.
"""

import importlib.util
import logging
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent


class _Recorder(logging.Handler):
    """Collect the SQL peewee logs (DDL has no parameters)."""

    def __init__(self):
        """Start with no statements."""
        super().__init__()
        self.statements = []

    def emit(self, record):
        """Keep CREATE statements only."""
        sql, _params = record.msg
        if sql.startswith("CREATE"):
            self.statements.append(sql)


def generate(models_path: str, dialect: str, database) -> None:
    """Create the old tables on ``database`` and write what was executed."""
    spec = importlib.util.spec_from_file_location(f"models_v1_{dialect}", models_path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.db.initialize(database)
    recorder = _Recorder()
    logger = logging.getLogger("peewee")
    logger.addHandler(recorder)
    logger.setLevel(logging.DEBUG)
    with database.connection_context():
        database.create_tables(module.ALL_MODELS)
    logger.removeHandler(recorder)
    header = f"-- Schema version 1 (commit 798f4af) as peewee created it on {dialect}; see make_v1_schema.py.\n"
    (HERE / f"schema_v1.{dialect}.sql").write_text(header + ";\n".join(recorder.statements) + ";\n")


if __name__ == "__main__":
    import tempfile
    import uuid

    import psycopg2
    from peewee import PostgresqlDatabase, SqliteDatabase

    path = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        generate(path, "sqlite", SqliteDatabase(f"{tmp}/v1.db"))
    name = f"motcua_v1_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect("postgresql://postgres@127.0.0.1:5432/test")
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    pg = PostgresqlDatabase(name, user="postgres", host="127.0.0.1")
    generate(path, "postgres", pg)
    pg.close()
    admin.cursor().execute(f'DROP DATABASE "{name}"')
