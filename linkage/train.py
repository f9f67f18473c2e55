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


def _is_else(level: dict) -> bool:
    return level["sql_condition"].strip().upper() == "ELSE"


def chance_agreement(units: pl.DataFrame, column: str) -> float | None:
    """u of exact agreement on a column from first principles: the chance that two different
    units stating it state the same value, sum c(c - 1) / (N (N - 1)) over the values' counts
    c (half a pair when no two agree, not zero)."""
    if column not in units.columns:
        return None
    counts = units[column].drop_nulls().value_counts()["count"].cast(pl.Float64)
    n = float(counts.sum())
    if n < 2:
        return None
    return max(float((counts * (counts - 1)).sum()), 0.5) / (n * (n - 1))


def with_first_principles(model: dict, config: LinkageConfig, units: pl.DataFrame | None = None) -> dict:
    """Parameters that training pairs cannot give, set from first principles:
    - the disagreeing (else) level of every comparison but the ID gets at least the m of
      `config.m_disagree` (one person's records disagree there that often), the other levels'
      m scaled down to make room, so that no single disagreement vetoes a match;
    - an exact-match level no random pair reached gets u = the chance agreement among the
      units (chance_agreement), not nothing;
    - a partial level no training pair reached stays neutral (m = u); the ID's disagreeing
      level gets at least config.m_unobserved (two slips in one number happen)."""
    floors = dict(config.m_disagree)
    for comparison in model["comparisons"]:
        name = comparison["output_column_name"]
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        for level in levels:
            if level.get("u_probability") is None and units is not None and not _is_else(level):
                if len(levels) == 2:  # exact match or not
                    level["u_probability"] = chance_agreement(units, name)
        for level in levels:
            if level.get("m_probability") is None:
                if _is_else(level):
                    level["m_probability"] = floors.get(name, config.m_unobserved)
                elif level.get("u_probability") is not None and len(levels) > 2:
                    level["m_probability"] = level["u_probability"]
        floor = floors.get(name, config.m_unobserved)
        if levels and _is_else(levels[-1]):
            else_level = levels[-1]
            floor = max(else_level.get("m_probability") or 0.0, floor)
            others = [lv for lv in levels if lv is not else_level]
            mass = sum(lv.get("m_probability") or 0.0 for lv in others)
            for lv in others:
                if mass > 0:
                    lv["m_probability"] = (lv.get("m_probability") or 0.0) * (1 - floor) / mass
                else:
                    lv["m_probability"] = (1 - floor) / len(others)
            else_level["m_probability"] = floor
    return model


def records_frame(std: pl.DataFrame) -> pl.DataFrame:
    """Every record as a unit of its own, for learning m on record pairs."""
    from linkage.units import RECORD_SIDE, UNIT_COLUMNS

    return std.with_columns(
        *(pl.col(column).alias(side) for side, column in RECORD_SIDE.items()),
        unit_id=pl.col("person_record_id"),
        unit_key=pl.lit(None, pl.String),
        held_registers=pl.lit(None, pl.List(pl.String)),
        name_unresolved=pl.lit(None, pl.String),
        name_unresolved_swapped=pl.lit(None, pl.String),
        damaged_id_head=pl.lit(None, pl.String),
        damaged_id_tail=pl.lit(None, pl.String),
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
    learnt = with_first_principles(by_record.misc.save_model_to_json(), config)
    by_record.table_management.delete_tables_created_by_splink_from_db()
    records.drop_table_from_database_and_remove_from_cache(force_non_splink_table=True)

    frame = db_api.register(units.drop("unit_key").to_arrow(), dataset_display_name="training_units")
    by_unit = Linker(frame, learnt, log_level=logging.WARNING)
    by_unit.training.estimate_u_using_random_sampling(max_pairs=config.u_max_pairs, seed=config.seed)
    model = with_first_principles(by_unit.misc.save_model_to_json(), config, units)
    model_path.parent.mkdir(parents=True, exist_ok=True)
    model_path.write_text(json.dumps(model, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    by_unit.table_management.delete_tables_created_by_splink_from_db()
    if charts_dir is not None:  # of the model as saved
        saved = Linker(frame, model, log_level=logging.WARNING)
        charts_dir.mkdir(parents=True, exist_ok=True)
        saved.visualisations.match_weights_chart().save(str(charts_dir / "match_weights.html"))
        saved.visualisations.m_u_parameters_chart().save(str(charts_dir / "m_u_parameters.html"))
        (charts_dir / "blocking.md").write_text(blocking_report(db_api, frame), encoding="utf-8")
        saved.table_management.delete_tables_created_by_splink_from_db()
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
