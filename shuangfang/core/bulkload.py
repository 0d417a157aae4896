"""Writing many rows at once: COPY on PostgreSQL, multi-row inserts on SQLite.

The province-scale demo writes millions of rows; Django's bulk_create builds one INSERT per batch with every value
bound (≈ 10 k rows/s here), COPY streams rows in the server's text format (quality.md §4.3: 80 k rows/s with three
secondary indexes).  Primary keys are reserved from the table's own sequence first, so that rows written later in
the same run can point at them, and so that the sequence stays ahead of every written key."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable, Iterator, Sequence

from django.db import connection
from django.db.models import JSONField, Model


def uses_copy() -> bool:
    return connection.vendor == "postgresql"


# SQLite: the last key handed out per table in this process (PostgreSQL's sequences keep their own).
_reserved_up_to: dict[str, int] = {}


def reserve_ids(model: type[Model], count: int) -> range:
    """`count` primary keys nobody else will be given: advanced on the table's sequence (PostgreSQL), or after the
    largest key (SQLite, where one writer at a time holds the database)."""
    if count <= 0:
        return range(0)
    table, column = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, %s), nextval(pg_get_serial_sequence(%s, %s)) + %s - 1)",
                [table, column, table, column, count],
            )
            last = cursor.fetchone()[0]
            return range(last - count + 1, last + 1)
        cursor.execute(f'SELECT coalesce(max("{column}"), 0) FROM "{table}"')  # noqa: S608 — names from the model
        # Keys reserved for rows not written yet are past the largest key too.
        first = max(cursor.fetchone()[0], _reserved_up_to.get(table, 0)) + 1
        _reserved_up_to[table] = first + count - 1
        return range(first, first + count)


def adapt(value):
    """A Python value as the database driver takes it on either backend (aware datetimes for SQLite as UTC text)."""
    from datetime import date, datetime
    from decimal import Decimal

    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, date):
        return connection.ops.adapt_datefield_value(value)
    if isinstance(value, Decimal):
        return value if uses_copy() else str(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return value


def converters_for(fields) -> dict[int, Callable]:
    """Per column position, what turns a Python value into what the driver takes: JSON as text on both backends;
    dates, datetimes and decimals on SQLite (psycopg's COPY writes those itself)."""
    from django.db.models import DateField, DateTimeField, DecimalField

    converters: dict[int, Callable] = {}
    for position, field in enumerate(fields):
        if isinstance(field, JSONField):
            # A str is JSON text already (RowShape keeps its defaults so, and callers may cache theirs).
            converters[position] = lambda value, encoder=field.encoder: (
                value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, cls=encoder)
            )
        elif uses_copy():
            continue
        elif isinstance(field, DateTimeField):
            converters[position] = connection.ops.adapt_datetimefield_value
        elif isinstance(field, DateField):
            converters[position] = connection.ops.adapt_datefield_value
        elif isinstance(field, DecimalField):
            converters[position] = str
    return converters


def _preparer(converters: dict[int, Callable] | None) -> Callable[[Sequence], list]:
    """A row as the driver takes it: its converted positions, or every value through adapt() without converters."""
    if converters is None:
        return lambda row: [adapt(value) for value in row]
    positions = list(converters.items())

    def prepared(row):
        row = list(row)
        for position, convert in positions:
            if row[position] is not None:
                row[position] = convert(row[position])
        return row

    return prepared


def copy_rows(
    table: str, columns: Sequence[str], rows: Iterable[Sequence], converters: dict[int, Callable] | None = None
) -> int:
    """Write rows of plain values (in `columns` order) into `table`; returns how many.  Without `converters` every
    value goes through adapt()."""
    written = 0
    column_list = ", ".join(f'"{column}"' for column in columns)
    prepared = _preparer(converters)

    with connection.cursor() as cursor:
        if uses_copy():
            with cursor.cursor.copy(f"COPY {table} ({column_list}) FROM STDIN") as copy:  # noqa: S608
                for row in rows:
                    copy.write_row(prepared(row))
                    written += 1
            return written
        statement = f'INSERT INTO "{table}" ({column_list}) VALUES ({", ".join(["%s"] * len(columns))})'  # noqa: S608
        batch: list[list] = []
        for row in rows:
            batch.append(prepared(row))
            if len(batch) >= 2000:
                cursor.executemany(statement, batch)
                written += len(batch)
                batch = []
        if batch:
            cursor.executemany(statement, batch)
            written += len(batch)
    return written


def insert_instances(model: type[Model], objects: list[Model]) -> list[Model]:
    """Like bulk_create (no save(), no signals; auto_now fields set), with primary keys set on the objects — by COPY
    on PostgreSQL."""
    if not objects:
        return objects
    if not uses_copy():
        return model.objects.bulk_create(objects, batch_size=1000)
    missing = [obj for obj in objects if obj.pk is None]
    for obj, pk in zip(missing, reserve_ids(model, len(missing)), strict=True):
        obj.pk = pk
    fields = list(model._meta.concrete_fields)

    def values(obj):
        row = []
        for field in fields:
            value = field.pre_save(obj, add=True)
            if isinstance(field, JSONField):
                row.append(json.dumps(value, ensure_ascii=False, cls=field.encoder) if value is not None else None)
            else:
                row.append(field.get_db_prep_save(value, connection))
        return row

    copy_rows(model._meta.db_table, [field.column for field in fields], (values(obj) for obj in objects))
    for obj in objects:
        obj._state.adding = False
    return objects


class RowShape:
    """The columns of a model and a row of its defaults, so that millions of rows are built by changing a few
    positions of a copied list rather than by instantiating models.  A JSON column's value may be given as JSON
    text (a str) to save encoding the same value again."""

    def __init__(self, model: type[Model], *, keyed: bool = True, **fixed):
        """`keyed`: the rows carry their primary key (reserved with reserve_ids); otherwise the database assigns it."""
        from django.db.models import NOT_PROVIDED
        from django.utils import timezone

        self.model = model
        self.table = model._meta.db_table
        self.fields = [field for field in model._meta.concrete_fields if keyed or not field.primary_key]
        self.columns = [field.column for field in self.fields]
        self.position = {field.attname: index for index, field in enumerate(self.fields)}
        now = timezone.now()
        base = []
        for field in self.fields:
            if field.attname in fixed:
                value = fixed[field.attname]
            elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                value = now
            elif field.default is not NOT_PROVIDED:
                value = field.get_default()
            elif field.null or field.primary_key:
                value = None
            else:
                value = ""
            if isinstance(field, JSONField) and value is not None:
                value = json.dumps(value, ensure_ascii=False, cls=field.encoder)
            base.append(value)
        self.base = base
        self._converters: dict[int, Callable] | None = None

    def row(self, **values) -> list:
        row = self.base.copy()
        position = self.position
        for name, value in values.items():
            row[position[name]] = value
        return row

    def write(self, rows: Iterable[Sequence]) -> int:
        if self._converters is None:
            self._converters = converters_for(self.fields)
        return copy_rows(self.table, self.columns, rows, self._converters)


class KeyPool:
    """Primary keys of one table handed out from blocks reserved ahead, so that a row costs no round trip."""

    def __init__(self, model: type[Model], block: int = 50_000):
        self.model = model
        self.block = block
        self._next = 0
        self._end = 0

    def take(self, count: int) -> Iterator[int]:
        """`count` keys, handed out now (the iterator may be dropped half-read: the keys are spent anyway)."""
        keys: list[range] = []
        while count > 0:
            if self._next >= self._end:
                reserved = reserve_ids(self.model, max(self.block, count))
                self._next, self._end = reserved.start, reserved.stop
            upto = min(self._end, self._next + count)
            keys.append(range(self._next, upto))
            count -= upto - self._next
            self._next = upto
        return itertools.chain.from_iterable(keys)


def insert_ignoring_conflicts(shape: RowShape, rows: list[list], returning: Sequence[str]) -> list[tuple]:
    """Insert rows, skipping any a unique constraint already holds (a concurrent run's), and return `returning` of
    the rows actually inserted — one statement per thousand rows on both backends (ON CONFLICT … RETURNING)."""
    if not rows:
        return []
    prepared = _preparer(converters_for(shape.fields))
    column_list = ", ".join(f'"{column}"' for column in shape.columns)
    returned = ", ".join(f'"{column}"' for column in returning)
    placeholders = "(" + ", ".join(["%s"] * len(shape.columns)) + ")"
    inserted: list[tuple] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 1000):
            chunk = rows[start : start + 1000]
            values = [value for row in chunk for value in prepared(row)]
            cursor.execute(
                f'INSERT INTO "{shape.table}" ({column_list}) VALUES {", ".join([placeholders] * len(chunk))} '  # noqa: S608
                f"ON CONFLICT DO NOTHING RETURNING {returned}",
                values,
            )
            inserted.extend(cursor.fetchall())
    return inserted
