"""Whether two warehouses hold the same rows: the check that the Spark engine gives what the
DuckDB engine gives (tests/test_spark_engine.py, bench/engines.py)."""

from __future__ import annotations

from pathlib import Path

import duckdb

# what the month builds: the linkage's person keys, the dbt project's tables and the alerts
COMPARED_SCHEMAS = ("linkage_input", "intermediate", "alert_rules", "main", "reference")
# rows that differ by when they were written, not by what they say
NOT_COMPARED = {("main", "publication_log")}


def _columns(con: duckdb.DuckDBPyConnection, catalog: str, schema: str, table: str) -> list[str]:
    query = (
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_catalog = ? AND table_schema = ? AND table_name = ? ORDER BY ordinal_position"
    )
    return [row[0] for row in con.execute(query, [catalog, schema, table]).fetchall()]


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
        as_text = ", ".join(f'CAST("{c}" AS VARCHAR) AS "{c}"' for c in mine)  # names from the catalog
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
