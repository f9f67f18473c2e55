"""The reviewers' loop: pairs in the grey band go out (IDs masked), decisions come back and
are honoured on the next run."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import duckdb
import polars as pl

from linkage.errors import ReviewedPairsError
from linkage.scoring import PAIR_SCHEMA
from reference import mask_id, mask_phone

DECISIONS = ("same", "different")


def read_decisions(path: Path | None) -> dict[tuple[str, str], str]:
    """Reviewed pairs: a CSV with columns left_key, right_key, decision (same / different).
    A bad row stops the run with the file, row and value; a missing file means none yet."""
    if path is None or not Path(path).exists():
        return {}
    decisions: dict[tuple[str, str], str] = {}
    with open(path, encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        missing = {"left_key", "right_key", "decision"} - set(reader.fieldnames or [])
        if missing:
            raise ReviewedPairsError(path, 1, "missing_columns", ", ".join(sorted(missing)))
        for row_number, row in enumerate(reader, start=2):
            decision = (row["decision"] or "").strip().lower()
            if not decision:
                continue  # not reviewed yet
            if decision not in DECISIONS:
                raise ReviewedPairsError(path, row_number, "decision_not_same_or_different", decision)
            left, right = (row["left_key"] or "").strip(), (row["right_key"] or "").strip()
            if not (left.startswith("P") and right.startswith("P")) or left == right:
                raise ReviewedPairsError(path, row_number, "pair_keys_invalid", f"{left}/{right}")
            decisions[tuple(sorted((left, right)))] = decision
    return decisions


def apply_decisions(
    pairs: pl.DataFrame, units: pl.DataFrame, decisions: dict[tuple[str, str], str]
) -> tuple[pl.DataFrame, int]:
    """Scored pairs with the reviewers' word in place of the model's: `different` removes a
    pair, `same` sets it to 1.0 (adding it when the model scored it below the review band)."""
    if not decisions:
        return pairs.select(list(PAIR_SCHEMA)), 0
    key_of = dict(units.select("unit_id", "unit_key").iter_rows())
    unit_of = defaultdict(list)
    for unit_id, key in key_of.items():
        unit_of[key].append(unit_id)
    kept, applied, seen = [], 0, set()
    for left, right, prob in pairs.select(list(PAIR_SCHEMA)).iter_rows():
        pair = tuple(sorted((key_of[left], key_of[right])))
        seen.add(pair)
        decision = decisions.get(pair)
        applied += decision is not None
        if decision == "different":
            continue
        kept.append((left, right, 1.0 if decision == "same" else prob))
    for (left_key, right_key), decision in decisions.items():
        if decision == "same" and (left_key, right_key) not in seen and unit_of[left_key] and unit_of[right_key]:
            kept.append((unit_of[left_key][0], unit_of[right_key][0], 1.0))
            applied += 1
    return pl.DataFrame(kept, schema=PAIR_SCHEMA, orient="row"), applied


def review_table(review: pl.DataFrame, scored: pl.DataFrame, units: pl.DataFrame) -> pl.DataFrame:
    """One row per pair to review: both sides' identity columns side by side, the model's
    probability and match weight, and each comparison's match weight (log2 of its Bayes factor)."""
    if review.is_empty() or scored.is_empty():
        return pl.DataFrame(schema={"left_key": pl.String, "right_key": pl.String, "match_probability": pl.Float64})
    weight_columns = [c for c in scored.columns if c.startswith("mw_")]  # Splink 5: log2 Bayes factors
    weights = scored.select(
        "unit_id_l",
        "unit_id_r",
        "match_weight",
        *(pl.col(c).round(2).alias("weight_" + c.removeprefix("mw_")) for c in weight_columns),
    )
    side = units.select(
        "unit_id",
        "unit_key",
        "person_name",
        pl.col("id_compare").alias("id_number"),
        "birth_date",
        "sex",
        "county_code",
        "township",
        "village",
        "phone",
        "sole_feed",
    )
    left = side.rename(lambda c: c if c == "unit_id" else f"left_{c}").rename({"unit_id": "unit_id_l"})
    right = side.rename(lambda c: c if c == "unit_id" else f"right_{c}").rename({"unit_id": "unit_id_r"})
    table = (
        review.unique(["unit_id_l", "unit_id_r"])
        .join(weights, on=["unit_id_l", "unit_id_r"], how="left")
        .join(left, on="unit_id_l")
        .join(right, on="unit_id_r")
        .rename({"left_unit_key": "left_key", "right_unit_key": "right_key"})
        .with_columns(decision=pl.lit(None, pl.String))
        .sort("match_probability", descending=True)
    )
    first = ["left_key", "right_key", "decision", "match_probability", "match_weight"]
    return table.select(first + [c for c in table.columns if c not in first and c not in ("unit_id_l", "unit_id_r")])


def export_review(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """Write linkage.review_pairs for the reviewers, ID numbers masked (first 6, last 4): they
    fill `decision` and save the rows as the reviewed-decisions file of the next run."""
    review = con.sql("SELECT * FROM linkage.review_pairs").pl()
    # the values compared, not the comparison's weights (weight_phone, weight_id_number: numbers)
    values = [c for c, dtype in review.schema.items() if dtype == pl.String]
    masked = [c for c in values if c.endswith("_id_number")]
    review = review.with_columns(pl.col(c).map_elements(mask_id, return_dtype=pl.String) for c in masked)
    phones = [c for c in values if c.endswith("_phone")]
    review = review.with_columns(pl.col(c).map_elements(mask_phone, return_dtype=pl.String) for c in phones)
    # a name or note beginning with = + - @ must stay text when a reviewer opens the file in Excel
    text = [c for c, dtype in review.schema.items() if dtype == pl.String]
    review = review.with_columns(
        pl.when(pl.col(c).str.contains(r"^[=+\-@\t\r]")).then(pl.lit("'") + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c in text
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    review.write_csv(path, include_bom=True)  # Excel opens a UTF-8 CSV with a BOM as Chinese text
    return review.height
