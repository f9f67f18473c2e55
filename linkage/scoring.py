"""Splink 5 scores the blocked pairs of units with the trained model (settings as data in
linkage/model.json), with name frequencies among the other known people."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import duckdb
import polars as pl
from splink import DuckDBAPI, Linker

from engines.spark import spark_model, splink_spark_api
from linkage.model import LinkageConfig
from linkage.scoring_basis import NAME_COLUMNS, ScoringBasis, fresh_basis

PAIR_SCHEMA = {"unit_id_l": pl.String, "unit_id_r": pl.String, "match_probability": pl.Float64}
CHANGED = "unit_changed"  # the flag of a unit to pair again


def name_frequencies(units: pl.DataFrame, basis: ScoringBasis, config: LinkageConfig) -> dict[str, pl.DataFrame]:
    """How common each name (characters, and pinyin) of the units is among the *other* people
    known by a valid ID on the basis month: the count among ID units less the one being
    compared, floored at `config.tf_floor_people`, over the number of ID units. Splink's own
    table would count the record being matched and its match too, and so halve the weight of
    every rare name."""
    n = max(basis.people, 1)
    others = (pl.col("people").fill_null(0).cast(pl.Float64) - 1).alias("tf")
    tables = {}
    for column in NAME_COLUMNS:
        counts = basis.name_counts[column].rename({"value": column})
        tables[column] = (
            units.select(column)
            .drop_nulls()
            .unique()
            .join(counts, on=column, how="left")
            .select(column, (others.clip(lower_bound=config.tf_floor_people) / n).alias(f"tf_{column}"))
        )
    return tables


def _only_pairs_with(rules: list[dict], column: str) -> list[dict]:
    """The blocking rules limited to pairs with at least one unit flagged in `column`."""
    return [{**rule, "blocking_rule": f"({rule['blocking_rule']}) AND (l.{column} OR r.{column})"} for rule in rules]


def score_pairs(
    con: duckdb.DuckDBPyConnection,
    units: pl.DataFrame,
    model_path: Path,
    config: LinkageConfig,
    basis: ScoringBasis | None = None,
    changed: pl.Series | None = None,
    spark=None,
) -> pl.DataFrame:
    """Splink's pairwise predictions of the blocked pairs above the candidate floor, on the
    run's connection: the unit IDs, the probability, the match weight and each comparison's
    (mw_*). `basis`: the prior and name frequencies to score on (default: these units').
    `changed`: per unit, whether it is new or changed; then only the pairs with such a unit.
    `spark`: a SparkSession: Splink's Spark backend scores, with the same model."""
    basis = basis or fresh_basis(None, units, model_path)
    frame = units.drop("unit_key")
    model = json.loads(Path(model_path).read_text(encoding="utf-8"))
    if spark is not None:
        db_api = splink_spark_api(spark)
        model = spark_model(model)
    else:
        db_api = DuckDBAPI(connection=con)
    model["probability_two_random_records_match"] = basis.prior
    if changed is not None:
        frame = frame.with_columns(changed.alias(CHANGED))
        rules = model["blocking_rules_to_generate_predictions"]
        model["blocking_rules_to_generate_predictions"] = _only_pairs_with(rules, CHANGED)
    registered = db_api.register(frame.to_arrow(), dataset_display_name="linkage_units")
    linker = Linker(registered, model, log_level=logging.ERROR)
    lookups = []
    for column, table in name_frequencies(units, basis, config).items():
        lookup = db_api.register(table.to_arrow(), dataset_display_name=f"tf_lookup_{column}")
        linker.table_management.register_term_frequency_lookup(lookup, column)
        lookups.append(lookup)
    # the record's whole crowd of look-alikes weighs in (assign_people); pairs below the floor
    # could not move a posterior by a percent against the people nobody knows by ID
    predictions = linker.inference.predict(threshold_match_probability=config.candidate_floor)
    if spark is not None:
        relation = predictions.as_spark_dataframe()
    else:
        relation = con.sql(f"SELECT * FROM {predictions.physical_name}")
    kept = relation.select(*PAIR_SCHEMA, "match_weight", *(c for c in relation.columns if c.startswith("mw_")))
    pairs = pl.from_arrow(kept.toArrow()) if spark is not None else kept.pl()
    linker.table_management.delete_tables_created_by_splink_from_db()
    for table in (registered, *lookups):
        table.drop_table_from_database_and_remove_from_cache(force_non_splink_table=True)
    return pairs
