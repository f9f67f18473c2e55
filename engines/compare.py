"""Whether two warehouses hold the same rows: the check that the Spark engine gives what the
DuckDB engine gives (tests/test_spark_engine.py, bench/engines.py)."""

from __future__ import annotations

from pathlib import Path

import duckdb

# what the month builds: the linkage's person keys, the dbt project's tables and the alerts
COMPARED_SCHEMAS = ("linkage_input", "intermediate", "alert_rules", "main", "reference")
# rows that differ by when they were written, not by what they say
NOT_COMPARED = {("main", "publication_log")}
# floating-point values are compared to this many decimals: the engines add the same terms in
# another order, so a match probability may differ in its last bit (0.950537380075777 against
# 0.9505373800757771), never in what it decides
FLOAT_DECIMALS = 12
FLOAT_TYPES = {"DOUBLE", "FLOAT", "REAL"}


def _columns(con: duckdb.DuckDBPyConnection, catalog: str, schema: str, table: str) -> dict[str, str]:
    """The table's column names and their types, in order."""
    query = (
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_catalog = ? AND table_schema = ? AND table_name = ? ORDER BY ordinal_position"
    )
    return dict(con.execute(query, [catalog, schema, table]).fetchall())


def _as_text(column: str, types: set[str]) -> str:
    """The column as text to compare; a floating-point one rounded to FLOAT_DECIMALS first."""
    if types & FLOAT_TYPES:
        return f'CAST(round(TRY_CAST("{column}" AS DOUBLE), {FLOAT_DECIMALS}) AS VARCHAR) AS "{column}"'
    return f'CAST("{column}" AS VARCHAR) AS "{column}"'


def differing_tables(first: Path, second: Path, schemas=COMPARED_SCHEMAS) -> dict[str, str]:
    """Each table of `schemas` in `first` whose rows (as text, whatever the column order) are
    not exactly those of `second`, with what differs; linkage.record_person always."""
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute("ATTACH ? AS first (READ_ONLY)", [str(first)])
    con.execute("ATTACH ? AS second (READ_ONLY)", [str(second)])
    placeholders = ", ".join("?" for _ in schemas)
    tables = con.execute(
        "SELECT table_schema, table_name FROM information_schema.tables WHERE table_catalog = 'first' "
        f"AND table_type = 'BASE TABLE' AND table_schema IN ({placeholders}) ORDER BY 1, 2",
        list(schemas),
    ).fetchall()
    differences = {}
    for schema, table in [("linkage", "record_person"), *tables]:
        if (schema, table) in NOT_COMPARED:
            continue
        name = f"{schema}.{table}"
        mine, theirs = _columns(con, "first", schema, table), _columns(con, "second", schema, table)
        if not theirs:
            differences[name] = "missing"
            continue
        if set(mine) != set(theirs):
            differences[name] = f"columns differ: {sorted(set(mine) ^ set(theirs))}"
            continue
        as_text = ", ".join(_as_text(c, {mine[c], theirs[c]}) for c in mine)  # names from the catalog
        one, two = f"first.{schema}.{table}", f"second.{schema}.{table}"
        only_first = con.execute(
            f"SELECT count(*) FROM (SELECT {as_text} FROM {one} EXCEPT ALL SELECT {as_text} FROM {two})"
        ).fetchall()[0][0]
        only_second = con.execute(
            f"SELECT count(*) FROM (SELECT {as_text} FROM {two} EXCEPT ALL SELECT {as_text} FROM {one})"
        ).fetchall()[0][0]
        if only_first or only_second:
            differences[name] = f"{only_first} rows only in the first, {only_second} only in the second"
    con.close()
    return differences
