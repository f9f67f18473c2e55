"""Keys held month to month: a record once linked to a person keeps that person's key in a
month whose evidence decides nothing (linkage.key_memory)."""

from __future__ import annotations

import duckdb
import polars as pl


def remembered_links(
    con: duckdb.DuckDBPyConnection, month: str | None, units: pl.DataFrame, decisions: dict[tuple[str, str], str]
) -> dict[str, str]:
    """record unit -> person key, from linkage.key_memory of the months before `month` (the
    latest link of each record's signature), unless a reviewer said `different`."""
    exists = con.sql(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'linkage' AND table_name = 'key_memory'"
    ).fetchall()[0][0]
    if month is None or not exists:
        return {}
    memory = dict(
        con.sql(
            "SELECT record_key, arg_max(person_key, month) FROM linkage.key_memory WHERE month < ? GROUP BY record_key",
            params=[month],
        ).fetchall()
    )
    return {
        unit: memory[key]
        for unit, key in units.filter(pl.col("unit_id").str.starts_with("rec:"))
        .select("unit_id", "unit_key")
        .iter_rows()
        if key in memory and decisions.get(tuple(sorted((key, memory[key])))) != "different"
    }


def remember_links(con: duckdb.DuckDBPyConnection, month: str, units: pl.DataFrame, assigned: pl.DataFrame) -> None:
    """Write this month's links of records without a valid ID to an ID person into
    linkage.key_memory (replacing this month's, so a rerun is idempotent)."""
    record_keys = units.filter(pl.col("unit_id").str.starts_with("rec:")).select(
        pl.col("unit_id").str.strip_prefix("rec:").alias("person_record_id"), pl.col("unit_key").alias("record_key")
    )
    memory = (
        assigned.filter(pl.col("match_method").is_in(["probabilistic", "remembered"]))
        .join(record_keys, on="person_record_id")
        .select("record_key", "person_key", pl.lit(month).alias("month"))
        .unique()
    )
    con.execute("CREATE SCHEMA IF NOT EXISTS linkage")
    con.execute("CREATE TABLE IF NOT EXISTS linkage.key_memory (record_key VARCHAR, person_key VARCHAR, month VARCHAR)")
    con.register("memory_frame", memory.to_arrow())
    con.execute("BEGIN")
    try:
        con.execute("DELETE FROM linkage.key_memory WHERE month = ?", [month])
        con.execute("INSERT INTO linkage.key_memory SELECT record_key, person_key, month FROM memory_frame")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    con.unregister("memory_frame")
