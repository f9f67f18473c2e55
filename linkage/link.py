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

import csv
import hashlib
import json
import logging
import math
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl
from splink import DuckDBAPI, Linker

from linkage.errors import ModelMissingError, ReviewedPairsError
from linkage.model import MODEL_PATH, LinkageConfig
from linkage.standardise import standardise

log = logging.getLogger(__name__)

RECORD_PERSON_COLUMNS = ["person_record_id", "person_key", "match_probability", "match_method"]
PAIR_SCHEMA = {"unit_id_l": pl.String, "unit_id_r": pl.String, "match_probability": pl.Float64}
DECISIONS = ("same", "different")
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
]


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
            *(pl.col(c).first() for c in ("id_compare", "id_region", "home_region", "birth_date", "birth_year", "sex")),
            pl.lit(None, pl.Int32).alias("birth_year_low"),
            pl.lit(None, pl.Int32).alias("birth_year_high"),
            pl.col("sole_feed").drop_nulls().unique().sort().alias("held_registers"),
        )
        .with_columns(
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
            id_units.with_columns(name_unresolved=pl.lit(None, pl.String)),
            record_units.with_columns(
                name_unresolved=pl.when(pl.col("id_compare").is_null()).then(pl.col("name_pinyin"))
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


def _odds(p: float) -> float:
    return math.inf if p >= 1.0 else p / (1.0 - p)


def assign_people(
    std: pl.DataFrame,
    unresolved: pl.DataFrame,
    pairs: pl.DataFrame,
    config: LinkageConfig | None = None,
    prior: float = 1e-5,
    n_units: int = 100_000,
    remembered: dict[str, str] | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(person_record_id -> person_key, match_probability, match_method; the pairs to review).

    A record without a valid ID belongs to one of the n units or, with probability
    1 - config.linked_share, to none of them. Splink's pairwise probability assumes the
    *expected* crowd of look-alikes (prior 1/n); here each record is weighed against the
    look-alikes it actually has: P(unit k) = BF_k / (sum of its candidates' BF + n(1-s)/s),
    where BF is the pair's Bayes factor (its odds over the prior odds).

    `remembered` (record unit -> the person key an earlier month linked it to) keeps that key
    when this month's evidence links the record to nobody, so a person's key does not flip back
    and forth (its match_probability is then 0: no evidence this month); a clear link to
    someone else, or a reviewer's `different`, wins over it."""
    config = config or LinkageConfig()
    candidates: dict[str, list[tuple[float, str]]] = defaultdict(list)
    parent: dict[str, str] = {}
    review: list[tuple[str, str, float]] = []

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    link_prob: dict[str, float] = {}
    for left, right, prob in pairs.select(list(PAIR_SCHEMA)).iter_rows():
        if left.startswith("id:") and right.startswith("id:"):
            continue  # two valid ID numbers are two people
        if left.startswith("id:") or right.startswith("id:"):
            unit, record = (left, right) if left.startswith("id:") else (right, left)
            candidates[record].append((prob, unit))
        elif prob >= config.match_threshold:
            parent[find(left)] = find(right)
            link_prob[left] = max(link_prob.get(left, 0.0), prob)
            link_prob[right] = max(link_prob.get(right, 0.0), prob)
        elif prob >= config.review_threshold:
            review.append((left, right, prob))

    prior_odds = _odds(prior)
    nobody = n_units * (1 - config.linked_share) / config.linked_share
    best_id: dict[str, tuple[float, str]] = {}
    for record, scored in candidates.items():
        factors = [(_odds(p) / prior_odds, unit) for p, unit in scored]
        certain = [unit for bf, unit in factors if math.isinf(bf)]
        if certain:  # a reviewer said so, or the model saturated
            posterior = [(1.0 / len(certain) if math.isinf(bf) else 0.0, unit) for bf, unit in factors]
        else:
            total = sum(bf for bf, _ in factors) + nobody
            posterior = [(bf / total, unit) for bf, unit in factors]
        posterior.sort(reverse=True)
        prob, unit = posterior[0]
        if prob >= config.match_threshold:
            best_id[record] = (prob, unit)
        elif sum(p for p, _ in posterior) >= config.review_threshold:
            # probably one of them, unclear which (namesakes): a reviewer decides
            review.extend((unit_id, record, p) for p, unit_id in posterior if p >= config.review_listing)

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
        elif unit in (remembered or {}):
            rows.append((rid, remembered[unit], 0.0, "remembered"))
        elif unit in link_prob:
            rows.append((rid, person_key("sig:" + cluster_first[root]), link_prob[unit], "probabilistic"))
        else:
            rows.append((rid, person_key("sig:" + signature[rid]), 1.0, "singleton"))
    schema = dict(zip(RECORD_PERSON_COLUMNS, [pl.String, pl.String, pl.Float64, pl.String], strict=True))
    return pl.DataFrame(rows, schema=schema, orient="row"), pl.DataFrame(review, schema=PAIR_SCHEMA, orient="row")


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
    from reference import mask_id

    review = con.sql("SELECT * FROM linkage.review_pairs").pl()
    masked = [c for c in review.columns if c.endswith("_id_number")]
    review = review.with_columns(pl.col(c).map_elements(mask_id, return_dtype=pl.String) for c in masked)
    path.parent.mkdir(parents=True, exist_ok=True)
    review.write_csv(path, include_bom=True)  # Excel opens a UTF-8 CSV with a BOM as Chinese text
    return review.height


def remembered_links(
    con: duckdb.DuckDBPyConnection, month: str | None, units: pl.DataFrame, decisions: dict[tuple[str, str], str]
) -> dict[str, str]:
    """record unit -> person key, from linkage.key_memory of the months before `month` (the
    latest link of each record's signature), unless a reviewer said `different`."""
    exists = con.sql(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'linkage' AND table_name = 'key_memory'"
    ).fetchall()[0][0]
    if month is None or not exists:
        return {}
    memory = dict(
        con.sql(
            "SELECT record_key, arg_max(person_key, month) FROM linkage.key_memory WHERE month < ? GROUP BY record_key",
            params=[month],
        ).fetchall()
    )
    return {
        unit: memory[key]
        for unit, key in units.filter(pl.col("unit_id").str.starts_with("rec:"))
        .select("unit_id", "unit_key")
        .iter_rows()
        if key in memory and decisions.get(tuple(sorted((key, memory[key])))) != "different"
    }


def remember_links(con: duckdb.DuckDBPyConnection, month: str, units: pl.DataFrame, assigned: pl.DataFrame) -> None:
    """Write this month's links of records without a valid ID to an ID person into
    linkage.key_memory (replacing this month's, so a rerun is idempotent)."""
    record_keys = units.filter(pl.col("unit_id").str.starts_with("rec:")).select(
        pl.col("unit_id").str.strip_prefix("rec:").alias("person_record_id"), pl.col("unit_key").alias("record_key")
    )
    memory = (
        assigned.filter(pl.col("match_method").is_in(["probabilistic", "remembered"]))
        .join(record_keys, on="person_record_id")
        .select("record_key", "person_key", pl.lit(month).alias("month"))
        .unique()
    )
    con.execute("CREATE SCHEMA IF NOT EXISTS linkage")
    con.execute("CREATE TABLE IF NOT EXISTS linkage.key_memory (record_key VARCHAR, person_key VARCHAR, month VARCHAR)")
    con.register("memory_frame", memory.to_arrow())
    try:
        con.execute("BEGIN")
        con.execute("DELETE FROM linkage.key_memory WHERE month = ?", [month])
        con.execute("INSERT INTO linkage.key_memory SELECT record_key, person_key, month FROM memory_frame")
        con.execute("COMMIT")
    finally:
        con.unregister("memory_frame")


def write_table(con: duckdb.DuckDBPyConnection, name: str, frame: pl.DataFrame) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS linkage")
    con.register("linkage_frame", frame.to_arrow())
    try:
        con.execute(f"CREATE OR REPLACE TABLE linkage.{name} AS SELECT * FROM linkage_frame")  # trusted names only
    finally:
        con.unregister("linkage_frame")


def link_records(
    con: duckdb.DuckDBPyConnection,
    model_path: Path = MODEL_PATH,
    config: LinkageConfig | None = None,
    reviewed_pairs: Path | None = None,
    month: str | None = None,
) -> LinkageReport:
    """Read linkage_input.lnk_person_records; write linkage.record_person (every record's
    person key) and linkage.review_pairs (the grey band, with a decision column to fill).
    With `month`, links of earlier months (linkage.key_memory) hold where this month's evidence
    decides nothing, and this month's links are remembered."""
    config = config or LinkageConfig()
    decisions = read_decisions(reviewed_pairs)
    if not model_path.exists():
        raise ModelMissingError(model_path)
    records = con.sql("SELECT * FROM linkage_input.lnk_person_records").pl()
    std = standardise(records)
    units, unresolved = linkage_units(std)
    started = time.perf_counter()
    scored = score_pairs(con, units, model_path, config) if len(unresolved) else pl.DataFrame(schema=PAIR_SCHEMA)
    seconds = time.perf_counter() - started
    pairs, applied = apply_decisions(scored, units, decisions)
    remembered = remembered_links(con, month, units, decisions)
    assigned, review = assign_people(
        std, unresolved, pairs, config, prior_match_probability(units), len(units), remembered
    )
    write_table(con, "record_person", assigned)
    if month is not None:
        remember_links(con, month, units, assigned)
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
        pairs_for_review=review.unique(["unit_id_l", "unit_id_r"]).height,
        decisions_applied=applied,
        seconds_predict=seconds,
    )
