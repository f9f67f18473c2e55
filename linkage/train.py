"""Train the linkage model deliberately and save it as JSON for every later month:

    .venv/bin/python -m linkage.train --warehouse data/warehouse/linfen.duckdb

It reads the month's linkage input from a warehouse the pipeline has built, estimates u by
random sampling and m by expectation maximisation, and writes linkage/model.json.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import duckdb
import polars as pl
from splink import DuckDBAPI, Linker, block_on

from linkage.model import MODEL_PATH, LinkageConfig, settings
from linkage.standardise import standardise


def train_model(con: duckdb.DuckDBPyConnection, units: pl.DataFrame, model_path: Path, config: LinkageConfig) -> None:
    db_api = DuckDBAPI(connection=con)
    frame = db_api.register(units.to_arrow(), dataset_display_name="training_units")
    linker = Linker(frame, settings(), log_level=logging.WARNING)
    linker.training.estimate_u_using_random_sampling(max_pairs=config.u_max_pairs, seed=config.seed)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("birth_date", "surname_pinyin"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("name_pinyin", "county_code"))
    model_path.parent.mkdir(parents=True, exist_ok=True)
    linker.misc.save_model_to_json(str(model_path), overwrite=True)
    linker.table_management.delete_tables_created_by_splink_from_db()


def main(argv: list[str] | None = None) -> None:
    from linkage.link import linkage_units

    parser = argparse.ArgumentParser(prog="python -m linkage.train", description=__doc__)
    parser.add_argument("--warehouse", required=True, help="DuckDB file with linkage_input.lnk_person_records")
    parser.add_argument("--model", default=str(MODEL_PATH))
    args = parser.parse_args(argv)
    con = duckdb.connect(args.warehouse)
    try:
        records = pl.from_arrow(con.sql("SELECT * FROM linkage_input.lnk_person_records").arrow())
        units, _ = linkage_units(standardise(records))
        train_model(con, units, Path(args.model), LinkageConfig())
    finally:
        con.close()
    print(f"model written to {args.model}")


if __name__ == "__main__":
    main()
