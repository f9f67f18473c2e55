"""Splink 5 scores the blocked pairs of units with the trained model (settings as data in
linkage/model.json), with name frequencies among the other known people."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import duckdb
import polars as pl
from splink import DuckDBAPI, Linker

from linkage.model import LinkageConfig
from linkage.units import prior_match_probability

PAIR_SCHEMA = {"unit_id_l": pl.String, "unit_id_r": pl.String, "match_probability": pl.Float64}


def name_frequencies(units: pl.DataFrame, config: LinkageConfig) -> dict[str, pl.DataFrame]:
    """How common each name (characters, and pinyin) is among the *other* people known by a
    valid ID: the count among ID units less the one being compared, floored at
    `config.tf_floor_people`, over the number of ID units. Splink's own table would count the
    record being matched and its match too, and so halve the weight of every rare name."""
    people = units.filter(pl.col("unit_id").str.starts_with("id:"))
    n = max(people.height, 1)
    tables = {}
    for column in ("person_name", "name_pinyin"):
        counts = people.group_by(column).len()
        table = (
            units.select(column)
            .drop_nulls()
            .unique()
            .join(counts, on=column, how="left")
            .with_columns(
                ((pl.col("len").fill_null(0).cast(pl.Float64) - 1).clip(lower_bound=config.tf_floor_people) / n).alias(
                    f"tf_{column}"
                )
            )
            .select(column, f"tf_{column}")
        )
        tables[column] = table
    return tables


def score_pairs(
    con: duckdb.DuckDBPyConnection, units: pl.DataFrame, model_path: Path, config: LinkageConfig
) -> pl.DataFrame:
    """Splink's pairwise predictions of the blocked pairs above the candidate floor, on the
    run's connection, with every comparison's level and match weight."""
    db_api = DuckDBAPI(connection=con)
    frame = db_api.register(units.drop("unit_key").to_arrow(), dataset_display_name="linkage_units")
    model = json.loads(Path(model_path).read_text(encoding="utf-8"))
    model["probability_two_random_records_match"] = prior_match_probability(units)
    linker = Linker(frame, model, log_level=logging.ERROR)
    lookups = []
    for column, table in name_frequencies(units, config).items():
        lookup = db_api.register(table.to_arrow(), dataset_display_name=f"tf_lookup_{column}")
        linker.table_management.register_term_frequency_lookup(lookup, column)
        lookups.append(lookup)
    # the record's whole crowd of look-alikes weighs in (assign_people); pairs below the floor
    # could not move a posterior by a percent against the people nobody knows by ID
    predictions = linker.inference.predict(threshold_match_probability=config.candidate_floor)
    pairs = con.sql(f"SELECT * FROM {predictions.physical_name}").pl()
    linker.table_management.delete_tables_created_by_splink_from_db()
    for registered in (frame, *lookups):
        registered.drop_table_from_database_and_remove_from_cache(force_non_splink_table=True)
    return pairs
