"""Give every person-bearing record a person key.

1. Records whose ID number is valid are joined on it deterministically: one unit per ID.
2. Splink scores the remaining records against those units and against each other.
3. A record joins the ID unit it matches clearly best (at or above the match threshold, and
   far ahead of any other ID unit it resembles); records matching no ID unit form people of
   their own. Two different valid ID numbers are never merged.
4. Pairs in the grey band, and records that resemble two ID units alike, go to the review
   table; a reviewer's decisions (CSV: pair -> same / different) are honoured on the next run.

Person keys are stable month to month: `P` + a digest of the valid ID number, or of the
record's signature (what it says of its person) when a person has none. Review pairs are
named by the same keys, so a decision taken this month still applies next month.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from linkage.decision import EVIDENCE_COLUMNS, assign_people
from linkage.errors import ModelMissingError
from linkage.key_memory import follow_key_moves, remember_links, remembered_links
from linkage.model import MODEL_PATH, LinkageConfig
from linkage.review import apply_decisions, export_review, read_decisions, review_table
from linkage.scoring import PAIR_SCHEMA, score_pairs
from linkage.scoring_basis import plan_scoring, remember_scoring, reused_pairs, unit_contents
from linkage.standardise import standardise
from linkage.units import linkage_units, without_housemates

__all__ = ["LinkageReport", "export_review", "link_records"]

log = logging.getLogger(__name__)


@dataclass
class LinkageReport:
    records: int
    people: int
    exact_id_records: int
    probabilistic_records: int
    singleton_records: int
    pairs_scored: int
    remembered_records: int = 0
    pairs_for_review: int = 0
    decisions_applied: int = 0
    seconds_predict: float = 0.0
    keys_moved: int = 0  # people first seen without an ID whose ID appeared (linkage.person_key_origins)
    lowest_linked_share: float = 1.0  # of the registers' estimated shares (linkage.linked_shares)
    pairs_scored_afresh: int = 0  # by Splink this run; the rest kept from the month before
    scoring_basis_month: str | None = None  # whose prior and name frequencies the pairs rest on
    changed_unit_share: float = 1.0  # of the units, new or changed since the month before
    basis_drift: float = 0.0  # how far the people known by ID moved since the basis month
    # records stating no ID digits that the model would have linked on the name alone, sent to
    # review instead (LinkageConfig.blank_id_evidence, issue 26)
    held_for_evidence: int = 0


def write_table(con: duckdb.DuckDBPyConnection, name: str, frame: pl.DataFrame) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS linkage")
    con.register("linkage_frame", frame.to_arrow())
    try:
        con.execute(f"CREATE OR REPLACE TABLE linkage.{name} AS SELECT * FROM linkage_frame")  # trusted names only
    finally:
        con.unregister("linkage_frame")


def linked_shares_table(unresolved: pl.DataFrame, shares: dict[str, float]) -> pl.DataFrame:
    """Per register (feed:role): its records without a valid ID this month and the share of
    them estimated to belong to somebody known by ID (for analysts: a register whose share
    falls month on month is delivering people nobody else knows, or damaging its IDs more)."""
    counts = unresolved.group_by(pl.concat_str("feed_code", "role", separator=":").alias("register")).len("records")
    estimated = pl.DataFrame(
        {"register": list(shares), "linked_share": list(shares.values())},
        schema={"register": pl.String, "linked_share": pl.Float64},
    )
    return counts.join(estimated, on="register", how="left").sort("register")


def evidence_side(units: pl.DataFrame) -> pl.DataFrame:
    """What the decision reads of the units to tell evidence beyond the name (linkage.decision.beyond_name)."""
    return units.select("unit_id", "id_compare", "id_region", *EVIDENCE_COLUMNS)


def link_records(
    con: duckdb.DuckDBPyConnection,
    model_path: Path = MODEL_PATH,
    config: LinkageConfig | None = None,
    reviewed_pairs: Path | None = None,
    month: str | None = None,
    spark=None,
) -> LinkageReport:
    """Read linkage_input.lnk_person_records; write linkage.record_person (every record's
    person key) and linkage.review_pairs (the grey band, with a decision column to fill).
    With `month`, links of earlier months (linkage.key_memory) hold where this month's evidence
    decides nothing, and this month's links are remembered. With `spark` (a SparkSession),
    Splink's Spark backend scores the pairs (engines.settings: the engine switch)."""
    config = config or LinkageConfig()
    decisions = read_decisions(reviewed_pairs)
    if not model_path.exists():
        raise ModelMissingError(model_path)
    # where a record came from is not compared: at city scale those columns are a gigabyte
    compared = "COLUMNS(lambda c: c NOT IN ('record_id', 'delivery_month', 'source_file', 'source_row'))"
    std = standardise(con.sql(f"SELECT {compared} FROM linkage_input.lnk_person_records").pl())
    units, unresolved = linkage_units(std)
    # what the assignment still needs of the records: at city scale the standardised frame is
    # the largest thing the run holds
    std = std.select("person_record_id", "id_number", "id_valid")
    unresolved = unresolved.select("person_record_id", "feed_code", "role", "signature")
    started = time.perf_counter()
    contents = unit_contents(units)
    plan = plan_scoring(con, month, units, contents, model_path, config)
    scored = (
        score_pairs(con, units, model_path, config, plan.basis, plan.changed, spark)
        if len(unresolved)
        else pl.DataFrame(schema=PAIR_SCHEMA)
    )
    fresh_pairs = len(scored)
    reused = reused_pairs(con, plan, contents)
    if reused is not None and len(unresolved):
        scored = pl.concat([scored, reused.select(scored.columns)])
    if month is not None:
        remember_scoring(con, month, plan, contents, scored, fresh_pairs)
    scored = without_housemates(scored, units)
    seconds = time.perf_counter() - started
    pairs, applied = apply_decisions(scored, units, decisions)
    # in one order every run: DuckDB returns the pairs in any order, and the sums of Bayes
    # factors differed in the last bits from one run to the next
    pairs = pairs.sort("unit_id_l", "unit_id_r")
    remembered = remembered_links(con, month, units, decisions)
    shares: dict[str, float] = {}
    counts: dict[str, int] = {}
    assigned, review = assign_people(
        std, unresolved, pairs, config, plan.basis.prior, len(units), remembered, shares, evidence_side(units), counts
    )
    write_table(con, "record_person", assigned)
    write_table(con, "linked_shares", linked_shares_table(unresolved, shares))
    if month is not None:
        remember_links(con, month, units, assigned)
    moved = follow_key_moves(con, month, units, assigned)
    write_table(con, "review_pairs", review_table(review, scored, units))
    count = dict(assigned.group_by("match_method").len().iter_rows())
    return LinkageReport(
        records=len(assigned),
        people=assigned["person_key"].n_unique(),
        exact_id_records=count.get("exact_id", 0),
        probabilistic_records=count.get("probabilistic", 0),
        singleton_records=count.get("singleton", 0),
        remembered_records=count.get("remembered", 0),
        pairs_scored=len(scored),
        pairs_scored_afresh=fresh_pairs,
        scoring_basis_month=plan.basis.month,
        changed_unit_share=plan.changed_share,
        basis_drift=plan.drift,
        pairs_for_review=review.unique(["unit_id_l", "unit_id_r"]).height,
        decisions_applied=applied,
        seconds_predict=seconds,
        keys_moved=moved,
        lowest_linked_share=min(shares.values(), default=config.linked_share),
        held_for_evidence=counts.get("held_for_evidence", 0),
    )
