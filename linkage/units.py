"""Linkage units: one per valid ID number (deterministic), one per record without one; and
the stable person key a unit gives its people."""

from __future__ import annotations

import hashlib

import duckdb
import polars as pl

UNIT_COLUMNS = [
    "unit_id",
    "unit_key",
    "person_name",
    "name_pinyin",
    "surname_pinyin",
    "given_pinyin",
    "id_compare",
    "id_region",
    "home_region",
    "birth_date",
    "birth_year",
    "birth_year_low",
    "birth_year_high",
    "sex",
    "county_code",
    "township",
    "village",
    "phone",
    "sole_feed",
    "held_registers",
    "name_unresolved",
    "name_unresolved_swapped",
    "id_head",
    "id_tail",
    "damaged_id_head",
    "damaged_id_tail",
    "housemates",
    "record_birth_date",
    "record_name_pinyin",
    "record_phone",
]
# The values a record unit blocks on, null on units of a valid ID (linkage.model.blocking_rules):
# two valid IDs are never merged, so their pairs are not worth generating, and at city scale
# they were most of the pairs (every 王伟 of a county with every other).
RECORD_SIDE = {"record_birth_date": "birth_date", "record_name_pinyin": "name_pinyin", "record_phone": "phone"}


def person_key(anchor: str) -> str:
    return "P" + hashlib.sha1(anchor.encode("utf-8")).hexdigest()[:15]


def person_keys(anchors: pl.Series, prefix: str) -> pl.Series:
    """`person_key(prefix + anchor)` of each value, computed once per distinct anchor by
    DuckDB's sha1 (a Python call per person took seconds a million people)."""
    distinct = anchors.drop_nulls().unique().to_frame("anchor")
    with duckdb.connect() as con:
        con.register("anchors", distinct.to_arrow())
        keys = con.sql("SELECT anchor, 'P' || left(sha1(? || anchor), 15) AS key FROM anchors", params=[prefix]).pl()
    return (
        anchors.to_frame("anchor")
        .join(keys, on="anchor", how="left", maintain_order="left")["key"]
        .rename(anchors.name)
    )


# What a person known by a valid ID is called and where they live: the value most of their
# records give (the smallest of those tied), nulls aside.
MOST_COMMON_COLUMNS = (
    "person_name",
    "name_pinyin",
    "surname_pinyin",
    "given_pinyin",
    "phone",
    "county_code",
    "township",
    "village",
)


def most_common(records: pl.DataFrame, by: str, columns: tuple[str, ...]) -> pl.DataFrame:
    """Per `by`, each column's most frequent non-null value, the smallest among ties; null when
    the column is null on every record (as `mode().sort().first()` in a group, counted once)."""
    out = records.select(by).unique()
    for column in columns:
        top = (
            records.filter(pl.col(column).is_not_null())
            .group_by(by, column)
            .len()
            .sort([by, "len", column], descending=[False, True, False])
            .unique(by, keep="first")
            .drop("len")
        )
        out = out.join(top, on=by, how="left")
    return out


def linkage_units(std: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(units to score, unresolved records). A unit is one valid ID (its most common name and
    place, and the one-person-once registers that already hold it) or one record without a
    valid ID."""
    valid = std.filter(pl.col("id_valid"))
    id_units = (
        valid.group_by("id_number")
        .agg(
            *(
                pl.col(c).first()
                for c in (
                    "id_compare",
                    "id_head",
                    "id_tail",
                    "id_region",
                    "home_region",
                    "birth_date",
                    "birth_year",
                    "sex",
                )
            ),
            pl.lit(None, pl.Int32).alias("birth_year_low"),
            pl.lit(None, pl.Int32).alias("birth_year_high"),
            pl.col("sole_feed").drop_nulls().unique().sort().alias("held_registers"),
            pl.col("housemates")
            .list.explode(keep_nulls=False, empty_as_null=False)
            .drop_nulls()
            .unique()
            .sort()
            .alias("housemates"),
        )
        .join(most_common(valid, "id_number", MOST_COMMON_COLUMNS), on="id_number", how="left")
        .with_columns(
            housemates=pl.when(pl.col("housemates").list.len() > 0).then(pl.col("housemates")),
            unit_id=pl.lit("id:") + pl.col("id_number"),
            sole_feed=pl.lit(None, pl.String),
        )
    )
    id_units = id_units.with_columns(unit_key=person_keys(id_units["id_number"], "id:"))
    unresolved = std.filter(~pl.col("id_valid"))
    record_units = unresolved.with_columns(
        unit_id=pl.lit("rec:") + pl.col("person_record_id"),
        unit_key=person_keys(unresolved["signature"], "sig:"),
        held_registers=pl.lit(None, pl.List(pl.String)),
    )
    units = pl.concat(
        [
            id_units.with_columns(
                *(pl.lit(None, pl.String).alias(side) for side in RECORD_SIDE),
                name_unresolved=pl.lit(None, pl.String),
                name_unresolved_swapped=pl.lit(None, pl.String),
                damaged_id_head=pl.lit(None, pl.String),
                damaged_id_tail=pl.lit(None, pl.String),
            ),
            record_units.with_columns(
                *(pl.col(column).alias(side) for side, column in RECORD_SIDE.items()),
                name_unresolved=pl.when(pl.col("id_compare").is_null()).then(pl.col("name_pinyin")),
                name_unresolved_swapped=pl.when(pl.col("id_compare").is_null()).then(pl.col("name_pinyin_swapped")),
                damaged_id_head=pl.col("id_head"),
                damaged_id_tail=pl.col("id_tail"),
            ),
        ],
        how="diagonal",
    )
    return units.select(UNIT_COLUMNS), unresolved


def prior_match_probability(units: pl.DataFrame) -> float:
    """The prior of a pair: a record without a valid ID belongs to about one of the month's n
    units, so 1/n (pairs of two valid IDs are never merged, so their prior does not matter).
    It falls with size as the name frequencies that offset it do."""
    return 1.0 / max(len(units), 2)


def without_housemates(pairs: pl.DataFrame, units: pl.DataFrame) -> pl.DataFrame:
    """Scored pairs less those of a record and a valid-ID person it lives with: a roster
    member is not their own housemate, however alike the two look (a child named after a
    sibling, a namesake in the household)."""
    housemates = (
        units.filter(pl.col("unit_id").str.starts_with("rec:") & pl.col("housemates").is_not_null())
        .select(pl.col("unit_id").alias("record"), pl.col("housemates").alias("id_number"))
        .explode("id_number")
        .select("record", (pl.lit("id:") + pl.col("id_number")).alias("unit"))
    )
    if housemates.is_empty() or pairs.is_empty():
        return pairs
    forward = housemates.select(pl.col("unit").alias("unit_id_l"), pl.col("record").alias("unit_id_r"))
    backward = housemates.select(pl.col("record").alias("unit_id_l"), pl.col("unit").alias("unit_id_r"))
    return pairs.join(pl.concat([forward, backward]).unique(), on=["unit_id_l", "unit_id_r"], how="anti")
