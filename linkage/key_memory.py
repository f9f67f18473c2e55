"""Keys held month to month: a record once linked to a person keeps that person's key in a
month whose evidence decides nothing (linkage.key_memory)."""

from __future__ import annotations

import duckdb
import polars as pl

from reference import table_exists


def remembered_links(
    con: duckdb.DuckDBPyConnection, month: str | None, units: pl.DataFrame, decisions: dict[tuple[str, str], str]
) -> dict[str, str]:
    """record unit -> person key, from linkage.key_memory of the months before `month` (the
    latest link of each record's signature), unless a reviewer said `different`."""
    if month is None or not table_exists(con, "linkage", "key_memory"):
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


def _ensure_key_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS linkage")
    con.execute(
        "CREATE TABLE IF NOT EXISTS linkage.record_keys (record_key VARCHAR, person_key VARCHAR, month VARCHAR)"
    )
    con.execute("CREATE TABLE IF NOT EXISTS linkage.person_keys_seen (person_key VARCHAR, first_month VARCHAR)")
    con.execute(
        "CREATE TABLE IF NOT EXISTS linkage.person_key_origins (person_key VARCHAR, origin_key VARCHAR, month VARCHAR)"
    )


def follow_key_moves(
    con: duckdb.DuckDBPyConnection, month: str | None, units: pl.DataFrame, assigned: pl.DataFrame
) -> int:
    """A person first seen without a valid ID is keyed on what their record says; once a valid
    ID of theirs appears and the record links to it, the person's key becomes the ID's. Their
    alerts keep their identity: linkage.person_key_origins maps the new key to the key the
    person was first known by (the origin of the old key, if it had moved before), which
    alerts_raised uses for the alert ID. A key moves only to a person new this month (a
    duplicate of somebody already known merges into that person, whose alerts stand).
    Idempotent per month. Returns the number of keys that moved this month."""
    _ensure_key_tables(con)
    if month is None:
        return 0
    record_keys = (
        units.filter(pl.col("unit_id").str.starts_with("rec:"))
        .select(
            pl.col("unit_id").str.strip_prefix("rec:").alias("person_record_id"), pl.col("unit_key").alias("record_key")
        )
        .join(assigned.select("person_record_id", "person_key"), on="person_record_id")
        .select("record_key", "person_key")
        .unique()
    )
    con.register("keys_frame", record_keys.to_arrow())
    con.register("people_frame", assigned.select("person_key").unique().to_arrow())
    con.execute("BEGIN")
    try:
        for table, column in (
            ("record_keys", "month"),
            ("person_key_origins", "month"),
            ("person_keys_seen", "first_month"),
        ):
            con.execute(f"DELETE FROM linkage.{table} WHERE {column} = ?", [month])  # trusted names only
        con.execute(
            """
            INSERT INTO linkage.person_key_origins
            WITH earlier AS (
                SELECT record_key, arg_max(person_key, month) AS then_key
                FROM linkage.record_keys WHERE month < $month GROUP BY record_key
            ),
            origins AS (
                SELECT person_key, arg_max(origin_key, month) AS origin_key
                FROM linkage.person_key_origins WHERE month < $month GROUP BY person_key
            )
            SELECT k.person_key, min(coalesce(o.origin_key, e.then_key)), $month
            FROM keys_frame AS k
            INNER JOIN earlier AS e USING (record_key)
            LEFT JOIN origins AS o ON o.person_key = e.then_key
            WHERE e.then_key <> k.person_key
                AND NOT EXISTS (
                    SELECT 1 FROM linkage.person_keys_seen AS s
                    WHERE s.person_key = k.person_key AND s.first_month < $month
                )
            GROUP BY k.person_key
            """,
            {"month": month},
        )
        con.execute("INSERT INTO linkage.record_keys SELECT record_key, person_key, ? FROM keys_frame", [month])
        con.execute(
            """
            INSERT INTO linkage.person_keys_seen
            SELECT person_key, $month FROM people_frame AS p
            WHERE NOT EXISTS (
                SELECT 1 FROM linkage.person_keys_seen AS s WHERE s.person_key = p.person_key AND s.first_month < $month
            )
            """,
            {"month": month},
        )
        moved = con.execute("SELECT count(*) FROM linkage.person_key_origins WHERE month = ?", [month]).fetchall()[0][0]
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    finally:
        con.unregister("keys_frame")
        con.unregister("people_frame")
    return moved
