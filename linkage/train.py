"""Train the linkage model deliberately and save it as JSON for every later month:

    make train        (= .venv/bin/python -m linkage.train --warehouse data/warehouse/linfen.duckdb)

It reads the month's linkage input from a warehouse the pipeline has built and
- learns m (how one person's records differ) by expectation maximisation on record pairs
  blocked on the ID number, then on name and birth date, where nearly every pair is a match;
- measures u (how often strangers agree) by random sampling of the units the model will
  compare (one per valid ID, one per record without one);
- fixes the register levels' m from the share of records without a usable ID per register;
- writes linkage/model.json, the match-weights and m/u charts (linkage/charts/*.html) and
  the blocking analysis (linkage/charts/blocking.md: comparisons per rule, largest blocks).
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

import duckdb
import polars as pl
from splink import DuckDBAPI, Linker, block_on
from splink.blocking_analysis import count_comparisons_from_blocking_rules, n_largest_blocks

from linkage.model import MODEL_PATH, LinkageConfig, blocking_rules, settings
from linkage.standardise import standardise

CHARTS_DIR = MODEL_PATH.parent / "charts"


def record_shares(units: pl.DataFrame) -> dict[str, float]:
    """Share of each one-person-once register among records without a usable ID."""
    register = pl.col("sole_feed").str.split(":").list.slice(0, 2).list.join(":")  # without the part
    counts = units.filter(pl.col("sole_feed").is_not_null()).group_by(register.alias("register")).len()
    total = counts["len"].sum() or 1
    return {register: n / total for register, n in counts.iter_rows()}


def with_unobserved_levels_floored(model: dict, floor: float) -> dict:
    """A level no training pair reached carries no m and so no weight. The disagreeing (else)
    level gets a small m, so that disagreeing counts against a match (the synthetic registers
    never show one person under two unrelated names); a partial agreement nobody showed is
    left neutral (m = u) rather than turned into evidence against."""
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level") or level.get("m_probability") is not None:
                continue
            is_else = level["sql_condition"].strip().upper() == "ELSE"
            level["m_probability"] = floor if is_else or level.get("u_probability") is None else level["u_probability"]
    return model


def records_frame(std: pl.DataFrame) -> pl.DataFrame:
    """Every record as a unit of its own, for learning m on record pairs."""
    from linkage.units import UNIT_COLUMNS

    return std.with_columns(
        unit_id=pl.col("person_record_id"),
        unit_key=pl.lit(None, pl.String),
        held_registers=pl.lit(None, pl.List(pl.String)),
        name_unresolved=pl.lit(None, pl.String),
    ).select(UNIT_COLUMNS)


def train_model(
    con: duckdb.DuckDBPyConnection,
    std: pl.DataFrame,
    units: pl.DataFrame,
    model_path: Path,
    config: LinkageConfig,
    charts_dir: Path | None = None,
) -> None:
    db_api = DuckDBAPI(connection=con)
    records = db_api.register(records_frame(std).drop("unit_key").to_arrow(), dataset_display_name="training_records")
    by_record = Linker(records, settings(config, record_shares(units)), log_level=logging.WARNING)
    by_record.training.estimate_u_using_random_sampling(max_pairs=config.u_max_pairs, seed=config.seed)
    by_record.training.estimate_parameters_using_expectation_maximisation(block_on("id_compare"))
    by_record.training.estimate_parameters_using_expectation_maximisation(block_on("name_pinyin", "birth_date"))
    learnt = with_unobserved_levels_floored(by_record.misc.save_model_to_json(), config.m_unobserved)
    by_record.table_management.delete_tables_created_by_splink_from_db()
    records.drop_table_from_database_and_remove_from_cache(force_non_splink_table=True)

    frame = db_api.register(units.drop("unit_key").to_arrow(), dataset_display_name="training_units")
    by_unit = Linker(frame, learnt, log_level=logging.WARNING)
    by_unit.training.estimate_u_using_random_sampling(max_pairs=config.u_max_pairs, seed=config.seed)
    model_path.parent.mkdir(parents=True, exist_ok=True)
    by_unit.misc.save_model_to_json(str(model_path), overwrite=True)
    if charts_dir is not None:
        charts_dir.mkdir(parents=True, exist_ok=True)
        by_unit.visualisations.match_weights_chart().save(str(charts_dir / "match_weights.html"))
        by_unit.visualisations.m_u_parameters_chart().save(str(charts_dir / "m_u_parameters.html"))
        (charts_dir / "blocking.md").write_text(blocking_report(db_api, frame), encoding="utf-8")
    by_unit.table_management.delete_tables_created_by_splink_from_db()
    frame.drop_table_from_database_and_remove_from_cache(force_non_splink_table=True)


def blocking_report(db_api: DuckDBAPI, frame) -> str:
    """Comparisons each prediction blocking rule adds, and the largest blocks of each (block
    sizes only: the values that form a block are names and numbers, so they stay out)."""
    rules = blocking_rules()
    counts = count_comparisons_from_blocking_rules(
        frame,
        blocking_rules=rules,
        link_type="dedupe_only",
        unique_id_column_name="unit_id",
        record_sample_proportion=1.0,
    )
    lines = [
        "# Blocking analysis",
        "",
        "| rule | new comparisons | cumulative | largest block (pairs) |",
        "|---|---|---|---|",
    ]
    for rule, count in zip(rules, counts, strict=True):
        largest = n_largest_blocks(
            frame, blocking_rule=rule, link_type="dedupe_only", n_largest=1
        ).as_pandas_dataframe()
        biggest = int(largest["block_count"].iloc[0]) if len(largest) else 0
        sql = rule.get_blocking_rule("duckdb").blocking_rule_sql
        added, cumulative = count["marginal_comparison_count"], count["cumulative_comparison_count"]
        lines.append(f"| `{sql}` | {added:,} | {cumulative:,} | {biggest:,} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    from linkage.units import linkage_units

    parser = argparse.ArgumentParser(
        prog="python -m linkage.train", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--warehouse", required=True, help="DuckDB file with linkage_input.lnk_person_records")
    parser.add_argument("--model", default=str(MODEL_PATH))
    parser.add_argument("--charts", default=str(CHARTS_DIR))
    args = parser.parse_args(argv)
    con = duckdb.connect(args.warehouse)
    try:
        records = con.sql("SELECT * FROM linkage_input.lnk_person_records").pl()
        std = standardise(records)
        units, _ = linkage_units(std)
        train_model(con, std, units, Path(args.model), LinkageConfig(), Path(args.charts))
    finally:
        con.close()
    model = json.loads(Path(args.model).read_text(encoding="utf-8"))
    print(f"model written to {args.model} ({len(model['comparisons'])} comparisons); charts in {args.charts}")


if __name__ == "__main__":
    main()
