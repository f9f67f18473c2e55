"""Linkage units: one per valid ID number (deterministic), one per record without one; and
the stable person key a unit gives its people."""

from __future__ import annotations

import hashlib

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
]


def person_key(anchor: str) -> str:
    return "P" + hashlib.sha1(anchor.encode("utf-8")).hexdigest()[:15]


def linkage_units(std: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(units to score, unresolved records). A unit is one valid ID (its most common name and
    place, and the one-person-once registers that already hold it) or one record without a
    valid ID."""
    valid = std.filter(pl.col("id_valid"))
    mode = lambda c: pl.col(c).drop_nulls().mode().sort().first().alias(c)  # noqa: E731
    id_units = (
        valid.group_by("id_number")
        .agg(
            *(mode(c) for c in ("person_name", "name_pinyin", "surname_pinyin", "given_pinyin", "phone")),
            *(mode(c) for c in ("county_code", "township", "village")),
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
        .with_columns(
            housemates=pl.when(pl.col("housemates").list.len() > 0).then(pl.col("housemates")),
            unit_id=pl.lit("id:") + pl.col("id_number"),
            unit_key=pl.col("id_number").map_elements(lambda i: person_key("id:" + i), return_dtype=pl.String),
            sole_feed=pl.lit(None, pl.String),
        )
    )
    unresolved = std.filter(~pl.col("id_valid"))
    record_units = unresolved.with_columns(
        unit_id=pl.lit("rec:") + pl.col("person_record_id"),
        unit_key=pl.col("signature").map_elements(lambda s: person_key("sig:" + s), return_dtype=pl.String),
        held_registers=pl.lit(None, pl.List(pl.String)),
    )
    units = pl.concat(
        [
            id_units.with_columns(
                name_unresolved=pl.lit(None, pl.String),
                name_unresolved_swapped=pl.lit(None, pl.String),
                damaged_id_head=pl.lit(None, pl.String),
                damaged_id_tail=pl.lit(None, pl.String),
            ),
            record_units.with_columns(
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
