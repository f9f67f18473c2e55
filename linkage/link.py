"""Give every person-bearing record a person key.

1. Records whose ID number is valid are joined on it deterministically: one unit per ID.
2. Splink scores the remaining records against those units and against each other.
3. A record joins the ID unit it matches best above the threshold; records matching no ID
   unit form people of their own. Two different valid ID numbers are never merged.

Person keys are stable month to month: `P` + a digest of the valid ID number, or of the
earliest record when a person has none.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl
from splink import DuckDBAPI, Linker

from linkage.model import MODEL_PATH, LinkageConfig
from linkage.standardise import standardise

log = logging.getLogger(__name__)

RECORD_PERSON_COLUMNS = ["person_record_id", "person_key", "match_probability", "match_method"]


@dataclass
class LinkageReport:
    records: int
    people: int
    exact_id_records: int
    probabilistic_records: int
    singleton_records: int
    pairs_scored: int
    seconds_predict: float = 0.0


def person_key(anchor: str) -> str:
    return "P" + hashlib.sha1(anchor.encode("utf-8")).hexdigest()[:15]


def linkage_units(std: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(units to score, unresolved records). A unit is one valid ID (its most common name and
    place) or one record without a valid ID."""
    valid = std.filter(pl.col("id_valid"))
    mode = lambda c: pl.col(c).drop_nulls().mode().sort().first().alias(c)  # noqa: E731
    id_units = (
        valid.group_by("id_number")
        .agg(
            mode("person_name"),
            mode("name_pinyin"),
            mode("surname_pinyin"),
            mode("given_pinyin"),
            mode("county_code"),
            mode("phone"),
            pl.col("id_compare").first(),
            pl.col("id_region").first(),
            pl.col("birth_date").first(),
            pl.col("sex").first(),
        )
        .with_columns(unit_id=pl.lit("id:") + pl.col("id_number"))
    )
    unresolved = std.filter(~pl.col("id_valid"))
    record_units = unresolved.with_columns(unit_id=pl.lit("rec:") + pl.col("person_record_id"))
    columns = [
        "unit_id",
        "person_name",
        "name_pinyin",
        "surname_pinyin",
        "given_pinyin",
        "id_compare",
        "id_region",
        "birth_date",
        "sex",
        "county_code",
        "phone",
    ]
    return pl.concat([id_units.select(columns), record_units.select(columns)]), unresolved


def score_pairs(
    con: duckdb.DuckDBPyConnection, units: pl.DataFrame, model_path: Path, config: LinkageConfig
) -> pl.DataFrame:
    """Splink's pairwise predictions above the match threshold, on the run's connection."""
    db_api = DuckDBAPI(connection=con)
    frame = db_api.register(units.to_arrow(), dataset_display_name="linkage_units")
    linker = Linker(frame, str(model_path), log_level=logging.ERROR)
    predictions = linker.inference.predict(threshold_match_probability=config.match_threshold)
    pairs = pl.from_arrow(
        con.sql(f"SELECT unit_id_l, unit_id_r, match_probability FROM {predictions.physical_name}").arrow()
    )
    linker.table_management.delete_tables_created_by_splink_from_db()
    return pairs


def assign_people(std: pl.DataFrame, unresolved: pl.DataFrame, pairs: pl.DataFrame) -> pl.DataFrame:
    """person_record_id -> person_key, match_probability, match_method."""
    best_id: dict[str, tuple[float, str]] = {}
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    link_prob: dict[str, float] = {}
    for left, right, prob in pairs.iter_rows():
        if left.startswith("id:") and right.startswith("id:"):
            continue  # two valid ID numbers are two people
        if left.startswith("id:") or right.startswith("id:"):
            unit, record = (left, right) if left.startswith("id:") else (right, left)
            if prob > best_id.get(record, (0.0, ""))[0]:
                best_id[record] = (prob, unit)
        else:
            parent[find(left)] = find(right)
            link_prob[left] = max(link_prob.get(left, 0.0), prob)
            link_prob[right] = max(link_prob.get(right, 0.0), prob)

    # A cluster of records without an ID joins the ID its best-matching member points to.
    cluster_id: dict[str, tuple[float, str]] = {}
    for record, (prob, unit) in best_id.items():
        root = find(record)
        if prob > cluster_id.get(root, (0.0, ""))[0]:
            cluster_id[root] = (prob, unit)
    # A person without a valid ID is anchored on the smallest signature among its records:
    # what the records say, not where they sit in this month's files, so the key is stable.
    signature = dict(unresolved.select("person_record_id", "signature").iter_rows())
    cluster_first: dict[str, str] = {}
    for rid in sorted(signature, key=lambda r: (signature[r], r)):
        cluster_first.setdefault(find("rec:" + rid), signature[rid])

    rows = [
        (rid, person_key("id:" + idn), 1.0, "exact_id")
        for rid, idn in std.filter(pl.col("id_valid")).select("person_record_id", "id_number").iter_rows()
    ]
    for rid in unresolved["person_record_id"].to_list():
        unit = "rec:" + rid
        root = find(unit)
        if unit in best_id:
            prob, id_unit = best_id[unit]
            rows.append((rid, person_key(id_unit), prob, "probabilistic"))
        elif root in cluster_id:
            prob, id_unit = cluster_id[root]
            rows.append((rid, person_key(id_unit), min(prob, link_prob.get(unit, prob)), "probabilistic"))
        elif unit in link_prob:
            rows.append((rid, person_key("sig:" + cluster_first[root]), link_prob[unit], "probabilistic"))
        else:
            rows.append((rid, person_key("sig:" + signature[rid]), 1.0, "singleton"))
    schema = dict(zip(RECORD_PERSON_COLUMNS, [pl.String, pl.String, pl.Float64, pl.String], strict=True))
    return pl.DataFrame(rows, schema=schema, orient="row")


def link_records(
    con: duckdb.DuckDBPyConnection, model_path: Path = MODEL_PATH, config: LinkageConfig | None = None
) -> LinkageReport:
    """Read linkage_input.lnk_person_records, write linkage.record_person."""
    import time

    config = config or LinkageConfig()
    records = pl.from_arrow(con.sql("SELECT * FROM linkage_input.lnk_person_records").arrow())
    std = standardise(records)
    units, unresolved = linkage_units(std)
    started = time.perf_counter()
    if not model_path.exists():
        from linkage.train import train_model

        log.warning("no trained model at %s: training one on this month's records", model_path)
        train_model(con, units, model_path, config)
    pairs = (
        score_pairs(con, units, model_path, config)
        if len(unresolved)
        else pl.DataFrame(schema={"unit_id_l": pl.String, "unit_id_r": pl.String, "match_probability": pl.Float64})
    )
    seconds = time.perf_counter() - started
    assigned = assign_people(std, unresolved, pairs)
    con.execute("CREATE SCHEMA IF NOT EXISTS linkage")
    con.register("assigned_people", assigned.to_arrow())
    try:
        con.execute("CREATE OR REPLACE TABLE linkage.record_person AS SELECT * FROM assigned_people")
    finally:
        con.unregister("assigned_people")
    methods = assigned.group_by("match_method").len().to_dicts()
    count = {m["match_method"]: m["len"] for m in methods}
    return LinkageReport(
        records=len(assigned),
        people=assigned["person_key"].n_unique(),
        exact_id_records=count.get("exact_id", 0),
        probabilistic_records=count.get("probabilistic", 0),
        singleton_records=count.get("singleton", 0),
        pairs_scored=len(pairs),
        seconds_predict=seconds,
    )
