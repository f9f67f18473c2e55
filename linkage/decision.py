"""Who each record is: weighed against the look-alikes it actually has."""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
import polars as pl

from linkage.model import BlankIdEvidence, LinkageConfig
from linkage.scoring import PAIR_SCHEMA
from linkage.units import person_key, person_keys

RECORD_PERSON_COLUMNS = ["person_record_id", "person_key", "match_probability", "match_method"]


def _odds(p: float) -> float:
    return math.inf if p >= 1.0 else p / (1.0 - p)


def _share_step(factor_sums: np.ndarray, share: float, n_units: int) -> float:
    """One expectation-maximisation step of the share: the mean posterior that a record is
    somebody known by ID, given the share so far (an infinite factor counts as certain)."""
    nobody = n_units * (1 - share) / share
    with np.errstate(invalid="ignore"):
        posterior = np.where(np.isinf(factor_sums), 1.0, factor_sums / (factor_sums + nobody))
    return float(posterior.mean()) if len(factor_sums) else share


def estimate_linked_shares(
    factor_sums: dict[str, float], registers: dict[str, str], n_units: int, config: LinkageConfig
) -> dict[str, float]:
    """Share s of each register's records without a valid ID that belong to somebody known by
    a valid ID this month, the rest being people no register knows by ID: expectation
    maximisation of the mixture weight, city-wide first (pulled towards config.linked_share),
    then per register (feed and role, pulled towards the city's share), each by
    `config.share_prior_records` pseudo-records, so that a handful of records does not swing
    a share to 0 or 1. `factor_sums`: per
    record, the sum of its candidates' Bayes factors (records without candidates count 0)."""
    lo, hi = config.linked_share_bounds
    k = config.share_prior_records

    def estimate(values: np.ndarray, prior: float) -> float:
        share = prior
        for _ in range(config.share_iterations):
            share = (_share_step(values, share, n_units) * len(values) + k * prior) / (len(values) + k)
            share = min(max(share, lo), hi)
        return share

    city = estimate(np.array([factor_sums.get(r, 0.0) for r in registers], dtype=float), config.linked_share)
    by_register: dict[str, list[float]] = defaultdict(list)
    for record, register in registers.items():
        by_register[register].append(factor_sums.get(record, 0.0))
    return {register: estimate(np.array(sums, dtype=float), city) for register, sums in by_register.items()}


# what beyond_name reads of the units
EVIDENCE_COLUMNS = ("county_code", "home_region", "township", "village", "phone", "birth_date", "housemates")


def states_no_id(units: pl.DataFrame) -> pl.Expr:
    """A record unit whose ID states no digits at all (blank, or nothing a digit survives of):
    not even a region (an Excel-damaged ID keeps its region, linkage.standardise)."""
    return pl.col("unit_id").str.starts_with("rec:") & pl.col("id_compare").is_null() & pl.col("id_region").is_null()


def beyond_name(
    pairs: pl.DataFrame, units: pl.DataFrame, rule: BlankIdEvidence
) -> tuple[set[str], set[tuple[str, str]]]:
    """(the record units that must show evidence beyond the name to be linked, the scored
    pairs involving one of them that show it: (unit_id_l, unit_id_r) as scored). Evidence, as
    `rule` sets it: the place agreeing to at least `rule.place` (the county both name, else the
    home region, as linkage.model.place_comparison counts it; township and village within it)
    and, with `rule.finer_places_agree`, at every finer level both sides name,
    the same phone, a housemate known by ID in common, the same birth date (of a record stating
    no ID digits: the date it states). A pair at probability 1 (a reviewer's `same`) shows it."""
    if not rule.required or units.is_empty():
        return set(), set()
    needs = set(units.filter(states_no_id(units))["unit_id"].to_list())
    if not needs or pairs.is_empty():
        return needs, set()
    side = units.select("unit_id", *EVIDENCE_COLUMNS)
    flagged = pairs.select(list(PAIR_SCHEMA)).filter(
        pl.col("unit_id_l").is_in(needs) | pl.col("unit_id_r").is_in(needs)
    )
    joined = flagged.join(side.rename(lambda c: c + "_l"), on="unit_id_l", how="left").join(
        side.rename(lambda c: c + "_r"), on="unit_id_r", how="left"
    )

    def same(column: str) -> pl.Expr:
        return (pl.col(column + "_l") == pl.col(column + "_r")).fill_null(False)

    county = (
        pl.when(pl.col("county_code_l").is_not_null() & pl.col("county_code_r").is_not_null())
        .then(same("county_code"))
        .otherwise(same("home_region"))
    )
    township = county & same("township")
    village = township & same("village")
    place = {"county": county, "township": township, "village": village}[rule.place]
    if rule.finer_places_agree:  # where both sides name the township (the village), it agrees
        named = {c: pl.col(c + "_l").is_not_null() & pl.col(c + "_r").is_not_null() for c in ("township", "village")}
        place = place & (~named["township"] | same("township")) & (~named["village"] | ~same("township") | village)
    evidence = place | (pl.col("match_probability") >= 1.0)
    if rule.phone:
        evidence = evidence | same("phone")
    if rule.birth_date:
        evidence = evidence | same("birth_date")
    if rule.household:
        shared = pl.col("housemates_l").list.set_intersection(pl.col("housemates_r")).list.len() > 0
        evidence = evidence | shared.fill_null(False)
    shown = joined.filter(evidence).select("unit_id_l", "unit_id_r")
    return needs, set(shown.iter_rows())


# what a record states beyond its name and sex (linkage.standardise): without any of it, two
# records that agree are namesakes as much as one person
STATED_BEYOND_NAME = ("county_code", "home_region", "township", "village", "phone", "birth_date", "housemates")


def name_only_signatures(signature, needs, units, find, best_id, cluster_id, link_prob) -> dict[str, str]:
    """The signatures to key records of their own on when several share one by stating nothing
    but a name (a 医保 row 张飞 with a blank ID, and another): by signature alone they would be
    one person, merged on the name alone. The first (by record ID) keeps its signature, the
    others `<signature>#2`, `#3` ... (record ID -> signature; the rest keep theirs)."""
    if units is None or not needs:
        return {}
    stated = units.filter(pl.col("unit_id").is_in(needs)).select(
        "unit_id", nothing=pl.all_horizontal(pl.col(c).is_null() for c in STATED_BEYOND_NAME)
    )
    bare = {unit for unit, nothing in stated.iter_rows() if nothing}
    by_signature: dict[str, list[str]] = defaultdict(list)
    for rid, sig in signature.items():
        unit = "rec:" + rid
        if unit in bare and unit not in best_id and find(unit) not in cluster_id and unit not in link_prob:
            by_signature[sig].append(rid)
    renamed = {}
    for sig, rids in by_signature.items():
        for n, rid in enumerate(sorted(rids)[1:], start=2):
            renamed[rid] = f"{sig}#{n}"
    return renamed


def assign_people(
    std: pl.DataFrame,
    unresolved: pl.DataFrame,
    pairs: pl.DataFrame,
    config: LinkageConfig | None = None,
    prior: float = 1e-5,
    n_units: int = 100_000,
    remembered: dict[str, str] | None = None,
    shares: dict[str, float] | None = None,
    units: pl.DataFrame | None = None,
    counts: dict[str, int] | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(person_record_id -> person_key, match_probability, match_method; the pairs to review).

    A record without a valid ID belongs to one of the n units or, with probability 1 - s, to
    none of them, s being its register's linked share this month (estimate_linked_shares,
    written into `shares` when a dict is passed). Splink's pairwise probability assumes the
    *expected* crowd of look-alikes (prior 1/n); here each record is weighed against the
    look-alikes it actually has: P(unit k) = BF_k / (sum of its candidates' BF + n(1-s)/s),
    where BF is the pair's Bayes factor (its odds over the prior odds).

    `remembered` (record unit -> the person key an earlier month linked it to) keeps that key
    when this month's evidence links the record to nobody, so a person's key does not flip back
    and forth (its match_probability is then 0: no evidence this month); a clear link to
    someone else, or a reviewer's `different`, wins over it.

    `units` (with linkage.decision.EVIDENCE_COLUMNS): a record stating no ID digits is linked,
    to a valid-ID person or to another record, only on a pair showing evidence beyond the name
    (config.blank_id_evidence, beyond_name); held back, it goes to review and stays a person of
    its own, with no key remembered from an earlier month either (`counts["held_for_evidence"]`:
    how many records were held back so). Without `units` the posterior alone decides."""
    config = config or LinkageConfig()
    needs, shown = beyond_name(pairs, units, config.blank_id_evidence) if units is not None else (set(), set())
    held: set[str] = set()
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
        elif prob >= config.match_threshold and (left in needs or right in needs) and (left, right) not in shown:
            review.append((left, right, prob))  # two records alike by name only: a reviewer decides
            held.update(u for u in (left, right) if u in needs)
        elif prob >= config.match_threshold:
            parent[find(left)] = find(right)
            link_prob[left] = max(link_prob.get(left, 0.0), prob)
            link_prob[right] = max(link_prob.get(right, 0.0), prob)
        elif prob >= config.review_threshold:
            review.append((left, right, prob))

    prior_odds = _odds(prior)
    factors_of = {
        record: [(_odds(p) / prior_odds, unit) for p, unit in scored] for record, scored in candidates.items()
    }
    register_of = {
        "rec:" + rid: register
        for rid, register in unresolved.select(
            "person_record_id", pl.concat_str("feed_code", "role", separator=":")
        ).iter_rows()
    }
    estimated = estimate_linked_shares(
        {record: sum(bf for bf, _ in factors) for record, factors in factors_of.items()}, register_of, n_units, config
    )
    if shares is not None:
        shares.update(estimated)
    best_id: dict[str, tuple[float, str]] = {}
    for record, factors in factors_of.items():
        share = estimated.get(register_of.get(record, ""), config.linked_share)
        nobody = n_units * (1 - share) / share
        certain = [unit for bf, unit in factors if math.isinf(bf)]
        if certain:  # a reviewer said so, or the model saturated
            posterior = [(1.0 / len(certain) if math.isinf(bf) else 0.0, unit) for bf, unit in factors]
        else:
            total = sum(bf for bf, _ in factors) + nobody
            posterior = [(bf / total, unit) for bf, unit in factors]
        posterior.sort(reverse=True)
        prob, unit = posterior[0]
        lacks_evidence = record in needs and (unit, record) not in shown and (record, unit) not in shown
        if prob >= config.match_threshold and lacks_evidence:
            # this one person by the model, but nothing beyond the name says so: a reviewer decides
            held.add(record)
            review.extend((unit_id, record, p) for p, unit_id in posterior if p >= config.review_listing)
        elif prob >= config.match_threshold:
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

    alone_signature = name_only_signatures(signature, needs, units, find, best_id, cluster_id, link_prob)
    rows = []
    for rid in unresolved["person_record_id"].to_list():
        unit = "rec:" + rid
        root = find(unit)
        if unit in best_id:
            prob, id_unit = best_id[unit]
            rows.append((rid, person_key(id_unit), prob, "probabilistic"))
        elif root in cluster_id:
            prob, id_unit = cluster_id[root]
            rows.append((rid, person_key(id_unit), min(prob, link_prob.get(unit, prob)), "probabilistic"))
        elif unit in (remembered or {}) and unit not in held:
            rows.append((rid, remembered[unit], 0.0, "remembered"))
        elif unit in link_prob:
            rows.append((rid, person_key("sig:" + cluster_first[root]), link_prob[unit], "probabilistic"))
        else:
            rows.append((rid, person_key("sig:" + alone_signature.get(rid, signature[rid])), 1.0, "singleton"))
    if counts is not None:  # held back and linked to nobody (not through a cluster either)
        counts["held_for_evidence"] = sum(
            1 for rid, _, _, method in rows if "rec:" + rid in held and method != "probabilistic"
        )
    schema = dict(zip(RECORD_PERSON_COLUMNS, [pl.String, pl.String, pl.Float64, pl.String], strict=True))
    valid = std.filter(pl.col("id_valid"))
    exact = valid.select(
        "person_record_id",
        person_key=person_keys(valid["id_number"], "id:"),
        match_probability=pl.lit(1.0),
        match_method=pl.lit("exact_id"),
    )
    assigned = pl.concat([exact.cast(schema), pl.DataFrame(rows, schema=schema, orient="row")])
    return assigned, pl.DataFrame(review, schema=PAIR_SCHEMA, orient="row")
