"""Finding records by a piece of their text, as a person types it into a list's search box.

`field__finds="蓄电"` means what `field__contains` means (the text occurs in the value, case as typed); only the way
the database finds the rows differs.  LIKE '%…%' has to read every row in scope: a province regulator's search went
through a million devices.  On PostgreSQL each searched column carries a GIN index over the pairs of adjacent
characters of its value (the SQL function `shuangfang_bigrams`, created with the indexes by the migrations
equipment 0007 and hazards 0004), so a search of two or more characters first asks the index for the rows that hold
every pair of the text and LIKE then checks only those.  Pairs rather than pg_trgm's triples: most Chinese words are
two characters long, and two characters hold no triple to look up; the function also needs no extension installed.
On SQLite, and for a single character, the lookup is the plain LIKE.
"""

from __future__ import annotations

from django.db.models import CharField, IntegerField, Q, QuerySet, TextField
from django.db.models.lookups import Contains, Lookup

BIGRAMS_FUNCTION = "shuangfang_bigrams"

# The function the indexes are built on; IMMUTABLE so that an index may use it, STRICT so a NULL value has no pairs.
CREATE_BIGRAMS_FUNCTION = """
CREATE OR REPLACE FUNCTION shuangfang_bigrams(value text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT coalesce(array_agg(DISTINCT substr(value, pair_start, 2)), '{}'::text[])
    FROM generate_series(1, length(value) - 1) AS pair_start
$$
"""
DROP_BIGRAMS_FUNCTION = "DROP FUNCTION IF EXISTS shuangfang_bigrams(text)"


def bigrams(text: str) -> list[str]:
    """The pairs of adjacent characters of `text`, as shuangfang_bigrams computes them in the database."""
    return sorted({text[position : position + 2] for position in range(len(text) - 1)})


def create_bigram_index_sql(table: str, column: str, name: str) -> str:
    return f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin ({BIGRAMS_FUNCTION}("{column}"))'


def drop_index_sql(name: str) -> str:
    return f'DROP INDEX IF EXISTS "{name}"'


@CharField.register_lookup
@TextField.register_lookup
class Finds(Lookup):
    """`contains`, served on PostgreSQL by the column's character-pair index."""

    lookup_name = "finds"

    def as_sql(self, compiler, connection):
        # The database backends know their LIKE (escaping, casts) by the lookup's name: `contains` writes it.
        return compiler.compile(Contains(self.lhs, self.rhs))

    def as_postgresql(self, compiler, connection):
        like_sql, like_params = self.as_sql(compiler, connection)
        pairs = bigrams(self.rhs) if isinstance(self.rhs, str) else []
        if not pairs:
            return like_sql, like_params
        column_sql, column_params = compiler.compile(self.lhs)
        # LIKE first: where the row is read without the index (a filter inside OR), PostgreSQL evaluates an AND's
        # arguments in the order written and stops at the first false, so the pairs are computed only for rows
        # that hold the text (≈ 25 µs a row otherwise, 14 s over a province's hazards).  The index is chosen from
        # the condition wherever it stands.
        return (
            f"({like_sql} AND {BIGRAMS_FUNCTION}({column_sql}) @> %s::text[])",
            [*like_params, *column_params, pairs],
        )


@IntegerField.register_lookup
class AnyOf(Lookup):
    """`id__any_of=<subquery>`: `IN (subquery)`, written on PostgreSQL as `= ANY(ARRAY(subquery))`.  The array is
    computed once, before the rows are read, and an index on the column can serve it — also as one arm of an OR
    (a bitmap OR), where `IN (subquery)` makes PostgreSQL test every row of the table against a hashed subquery."""

    lookup_name = "any_of"

    def as_sql(self, compiler, connection):
        column_sql, column_params = self.process_lhs(compiler, connection)
        subquery_sql, subquery_params = self.process_rhs(compiler, connection)
        return f"{column_sql} IN {subquery_sql}", [*column_params, *subquery_params]

    def as_postgresql(self, compiler, connection):
        column_sql, column_params = self.process_lhs(compiler, connection)
        subquery_sql, subquery_params = self.process_rhs(compiler, connection)
        return f"{column_sql} = ANY(ARRAY{subquery_sql})", [*column_params, *subquery_params]


def any_of(arms: list[QuerySet]) -> Q:
    """The rows whose id one of the arms selects (each arm a queryset of the same model, any filter): a search box
    that looks in several places.  Written as `id = ANY(ARRAY(arm UNION ALL arm …))` rather than an OR of the
    conditions, because in an OR PostgreSQL checks every condition again on every row it reads, and the `finds`
    condition's pairs cost ≈ 40 µs a row to compute; alone in an arm, each is answered by its index and not checked
    again.  The ids are computed once; the outer query keeps the caller's scope and filters."""
    first, *others = [arm.order_by().values("pk") for arm in arms]
    return Q(pk__any_of=first.union(*others, all=True) if others else first)
