"""Migrations room: move offices' data from a SQLite file to PostgreSQL (one box -> many processes).

    python scripts/sqlite_to_pg.py instance/motcua.db postgresql://motcua@127.0.0.1/motcua [--office 1 ...]

The SQLite file is never written: it is copied with SQLite's online backup (safe while the old
server still runs, but stop it first so no ticket is issued after the copy), the copy is upgraded
to the current schema, and each office is inserted into PostgreSQL (upgraded too) in ONE
transaction. Ids are renumbered, so the target may already host other offices; every reference
is remapped. Device tokens, ticket QR links, passwords, numbering of the day and the event sequence
carry over: screens keep working once pointed at the new server. It refuses, writing nothing,
when a username or device already exists in the target (an office moved twice).
Users without an office (province leaders) are not moved: create them on the target.
"""

from __future__ import annotations

import argparse
import pathlib
import sqlite3
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from peewee import ForeignKeyField, sort_models

import migrations
import models


class MoveRefused(Exception):
    """The target already holds some of these rows; nothing was written."""


def _rows_of_office(office_id: int) -> dict:
    """Every row belonging to one office, per model in dependency order, as field-name dicts."""
    data, ids = {}, {}
    for model in sort_models(models.ALL_MODELS):
        # Logins and throttles belong to the old box: people log in again on the new one.
        if model in (models.SchemaVersion, models.StaffSession, models.Throttle):
            continue
        query = model.select()
        if model is models.Office:
            query = query.where(model.id == office_id)
        elif "office" in model._meta.fields:
            query = query.where(model._meta.fields["office"] == office_id)
        else:
            # Rows owned through a parent (procedures of fields, counter_field of counters, ...).
            owner = next(f for f in model._meta.sorted_fields
                         if isinstance(f, ForeignKeyField) and not f.null and f.rel_model in ids)
            query = query.where(owner.in_(list(ids[owner.rel_model])))
        rows = list(query.order_by(model.id).dicts())
        data[model] = rows
        ids[model] = {row["id"] for row in rows}
    return data


def _check_conflicts(data: dict) -> None:
    """Refuse before writing when unique values of the office already exist in the target."""
    problems = []
    usernames = [u["username"] for u in data[models.User]]
    if usernames:
        taken = [u.username for u in models.User.select().where(models.User.username.in_(usernames))]
        if taken:
            problems.append(f"usernames already in the target: {', '.join(sorted(taken))}")
    hashes = [d["token_hash"] for d in data[models.Device]]
    if hashes and models.Device.select().where(models.Device.token_hash.in_(hashes)).exists():
        problems.append("devices of this office are already in the target")
    office = data[models.Office][0]
    if office["code"] and models.Office.select().where(models.Office.code == office["code"]).exists():
        problems.append(f"an office with code {office['code']!r} is already in the target")
    if problems:
        raise MoveRefused(f"Office {office['name']!r} not moved: " + "; ".join(problems))


def _insert(data: dict) -> dict:
    """Insert one office's rows with new ids, remapping every reference; returns counts per table."""
    new_ids: dict = {}
    counts = {}
    for model, rows in data.items():
        fks = [f for f in model._meta.sorted_fields if isinstance(f, ForeignKeyField)]
        mapping = new_ids.setdefault(model, {})
        for row in rows:
            values = {k: v for k, v in row.items() if k != "id"}
            for fk in fks:
                old = values.get(fk.name)
                if old is not None:
                    target = new_ids.get(fk.rel_model, {}).get(old)
                    if target is None and not fk.null:
                        raise MoveRefused(f"{model.__name__}.{fk.name} -> {old} points outside the office")
                    values[fk.name] = target  # a link outside the office (e.g. a province user) becomes NULL
            mapping[row["id"]] = model.insert(**values).execute()
        counts[model._meta.table_name] = len(rows)
    return counts


def move(source: str, target_url: str, office_ids=None) -> dict:
    """Copy offices (all when ``office_ids`` is empty) from a SQLite file into PostgreSQL.

    Returns {office name: {table: rows}}. Raises MoveRefused (nothing written) on a conflict.
    """
    if not target_url.startswith(("postgres://", "postgresql://")):
        raise ValueError("The target must be a postgresql:// URL")
    source_path = source.removeprefix("sqlite:///")
    if not pathlib.Path(source_path).is_file():
        raise FileNotFoundError(source_path)
    with tempfile.TemporaryDirectory() as tmp:
        copy_path = pathlib.Path(tmp) / "copy.db"
        src, dst = sqlite3.connect(source_path), sqlite3.connect(copy_path)
        with dst:
            src.backup(dst)
        src.close()
        dst.close()
        models.db.initialize(models.make_database(f"sqlite:///{copy_path}"))
        migrations.upgrade()  # bring an older copy to the current schema
        with models.connection():
            wanted = office_ids or [o.id for o in models.Office.select(models.Office.id).order_by(models.Office.id)]
            offices = [_rows_of_office(int(oid)) for oid in wanted]
        models.db.close()
    if any(not d[models.Office] for d in offices):
        raise MoveRefused("Unknown office id in --office")
    target = models.make_database(target_url)
    models.db.initialize(target)
    migrations.upgrade()
    report = {}
    with models.connection(), models.db.atomic():
        for data in offices:
            _check_conflicts(data)
            report[data[models.Office][0]["name"]] = _insert(data)
    if hasattr(target, "close_all"):
        target.close_all()
    return report


def main(argv=None) -> int:
    """Command line: source SQLite file, target PostgreSQL URL, optional --office ids."""
    parser = argparse.ArgumentParser(description="Chuyển dữ liệu đơn vị từ SQLite sang PostgreSQL / "
                                                 "move offices from SQLite to PostgreSQL")
    parser.add_argument("source", help="SQLite file (or sqlite:///path)")
    parser.add_argument("target", help="postgresql://user@host:port/database")
    parser.add_argument("--office", type=int, action="append", default=[], help="office id (repeatable; default all)")
    args = parser.parse_args(argv)
    try:
        report = move(args.source, args.target, args.office)
    except (MoveRefused, FileNotFoundError, ValueError) as exc:
        print(f"Không chuyển được / not moved: {exc}", file=sys.stderr)
        return 1
    for name, counts in report.items():
        print(f"{name}: " + ", ".join(f"{table} {n}" for table, n in counts.items() if n))
    print("Xong / done. Point DATABASE_URL at the target and start the servers.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
