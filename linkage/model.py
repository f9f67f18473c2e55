"""The Splink model for Chinese person records: comparisons that fit this data, as settings
that round-trip through JSON (linkage/model.json holds the trained parameters)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import SettingsCreator, block_on
from splink.blocking_rule_library import CustomRule

from ingestion.catalogue import ONE_ROW_PER_PERSON

MODEL_PATH = Path(__file__).resolve().parent / "model.json"


PLACE_LEVELS = ("county", "township", "village")


@dataclass(frozen=True)
class BlankIdEvidence:
    """What a record stating no ID digits at all (a blank ID) must share with a person beyond
    the name before it is linked to them (linkage.decision.beyond_name): a name, even a rare
    one, is not a person. Issue 26: on an independent generator's feeds every false merge was
    such a record, without a birth date, joined at posterior 0.90-1.00 to a valid-ID namesake
    (or near-namesake) usually in another county: a county officer would visit a stranger.
    Where the model would link such a record and the pair shares none of the evidence below,
    the record goes to review (linkage.review_pairs) and stays a person of its own meanwhile;
    a reviewer's `same` links it. The same holds for its links to other records without a
    valid ID, through which it could reach a person by the back door.

    Each kind of evidence is one the bureau can check on a visit and one a namesake elsewhere
    does not share by chance: the place (at least the county named, else the home region; the
    level is `place`), the phone, a housemate known by ID, a stated birth date. Not evidence:
    sex, an age range, being missing from a register (every namesake of one sex and age has
    them). Measurements that chose it: docs/linkage-decision.md and `make evaluate`'s
    blank-ID table (bench/reports/linkage_eval_<size>.md)."""

    required: bool = True  # False: the model's posterior alone decides (the behaviour before issue 26)
    place: str = "county"  # the least place agreement that counts: county, township or village
    # ... and every finer level both sides name agrees too: the same county with another
    # township named is another address, not an agreeing place
    finer_places_agree: bool = True
    phone: bool = True
    household: bool = True  # a housemate known by ID in common (linkage.model.household_comparison)
    birth_date: bool = True  # the same birth date, stated by the record (one digit off does not count)

    def __post_init__(self) -> None:
        if self.place not in PLACE_LEVELS:
            raise ValueError(f"BlankIdEvidence.place must be one of {PLACE_LEVELS}, not {self.place!r}")


@dataclass(frozen=True)
class LinkageConfig:
    """Thresholds of the linkage stage, chosen on 20,000 generated people of the generator's
    earlier mix (now its stress profile): sweeping match_threshold over 0.8 / 0.9 / 0.95 / 0.99
    gave pairwise F1 0.9985 / 0.9982 / 0.9973 / 0.9928; at 0.8 the blank and Excel-damaged
    IDs' precision fell to 0.995 (0.997 at 0.9), so 0.9. Current figures: `make evaluate`,
    bench/reports/linkage_eval_<size>.md."""

    match_threshold: float = 0.9  # a record joins a person at or above this posterior
    # ... and, when it states no ID digits, shares something beyond the name with them (issue 26)
    blank_id_evidence: BlankIdEvidence = BlankIdEvidence()
    review_threshold: float = 0.5  # below the match threshold, a record this likely to be someone is reviewed
    # Share of records without a valid ID whose person holds a valid ID in some feed this
    # month, the rest being people known to no register by ID: estimated every month per
    # register (linkage.decision.estimate_linked_shares), starting from linked_share and
    # pulled towards the city's estimate by share_prior_records pseudo-records; bounded so
    # that neither a register nobody is ever found in nor one always found settles the question.
    linked_share: float = 0.9
    linked_share_bounds: tuple[float, float] = (0.05, 0.99)
    share_prior_records: float = 20.0
    share_iterations: int = 50
    # Pairwise probability below which a candidate is dropped before the decision: at prior 1/n
    # its Bayes factor is under 0.001 n, against the n(1 - s)/s = 0.11 n people nobody knows.
    candidate_floor: float = 0.001
    review_listing: float = 0.05  # a record in review lists its candidates down to this share
    u_max_pairs: float = 2e6
    seed: int = 42
    # A true match almost never finds its valid ID already on a register that holds a person
    # once (ingestion.catalogue.ONE_ROW_PER_PERSON); fixed because training pairs rarely show it.
    m_already_on_register: float = 0.001
    # The next month (linkage.scoring_basis) keeps the scoring basis (prior, name frequencies)
    # of an earlier month while the people known by ID have drifted by at most this share since
    # (the L1 distance of the name counts over the basis's people); beyond it, every pair is
    # scored on a basis of the month's own. Issue 15's next month brings at most 5 % new or
    # changed records; the generator's next month of 200,000 people drifts 0.9 %.
    rebase_drift: float = 0.05
    # False: Splink scores every pair again, on the same basis (a full rerun, which gives the
    # same pairs: tests/test_months.py compares the marts of the two)
    reuse_scored_pairs: bool = True
    # A name that no other known person bears counts as this share of a person among them
    # (linkage.scoring.name_frequencies): unseen is not impossible.
    tf_floor_people: float = 0.5
    # m of the ID comparison's disagreeing level when no training pair reached it
    m_unobserved: float = 1e-4
    # m of disagreeing (the else level) on each comparison other than the ID: how often two
    # records of one person disagree there, set from how registers go wrong rather than
    # learnt, because training pairs (blocked on the ID) rarely show it and an m near zero
    # turns one disagreement into a veto. Placeholders to confirm with the bureau's review
    # sample; tests/linkage/test_model.py checks that none of them vetoes a match alone.
    m_disagree: tuple[tuple[str, float], ...] = (
        ("person_name", 0.01),  # another name on the row: a changed name, a family member's
        ("birth_date", 0.002),  # a date wrong beyond one slip (a slip is a level of its own)
        ("sex", 0.002),  # a sex column filled wrongly
        ("place", 0.05),  # moved since a register last saw them (feeds.md: addresses lag), or
        # registered away from the ID's region
        ("phone", 0.2),  # numbers change, families share one
        ("age_hint", 0.02),  # a pupil who started late or repeats a grade
        ("household", 0.2),  # listed with other people: a household split, a member moved out
    )


def id_comparison() -> cl.CustomComparison:
    """Exact ID; one mistyped or transposed digit anywhere, the region digits included (the
    guard keeps the costly Damerau-Levenshtein off random pairs, stack-notes.md: one slip
    leaves the first ten digits or the last eight whole, or, for a transposition across
    them, the region); same birth date and region."""
    return cl.CustomComparison(
        output_column_name="id_compare",
        comparison_levels=[
            cll.NullLevel("id_compare"),
            cll.ExactMatchLevel("id_compare"),
            cll.CustomLevel(
                "CASE WHEN id_head_l = id_head_r OR id_tail_l = id_tail_r "
                "OR substr(id_compare_l, 1, 6) = substr(id_compare_r, 1, 6) "
                "THEN damerau_levenshtein(id_compare_l, id_compare_r) <= 1 ELSE false END",
                label_for_charts="one digit off or transposed, anywhere",
            ),
            cll.CustomLevel(
                "substr(id_compare_l, 1, 14) = substr(id_compare_r, 1, 14)",
                label_for_charts="same region and birth date",
            ),
            cll.ElseLevel(),
        ],
    )


def name_comparison() -> cl.CustomComparison:
    """Exact characters; same pinyin (a homophone such as 丽/莉); given-name characters swapped;
    close pinyin. Jaro-Winkler on characters scores two-character names too low."""
    return cl.CustomComparison(
        output_column_name="person_name",
        comparison_levels=[
            cll.NullLevel("name_pinyin"),
            cll.ExactMatchLevel("person_name", term_frequency_adjustments=True),
            cll.ExactMatchLevel("name_pinyin", term_frequency_adjustments=True),
            cll.CustomLevel(
                "surname_pinyin_l = surname_pinyin_r AND length(person_name_l) = 3 "
                "AND length(person_name_r) = 3 "
                "AND substr(person_name_l, 2, 1) = substr(person_name_r, 3, 1) "
                "AND substr(person_name_l, 3, 1) = substr(person_name_r, 2, 1)",
                label_for_charts="given-name characters swapped",
            ),
            cll.JaroWinklerLevel("name_pinyin", 0.88),
            cll.ElseLevel(),
        ],
    )


def birth_date_comparison() -> cl.CustomComparison:
    """Same birth date; one digit off or two transposed (a slip in the ID's date digits or in
    a stated date); else. The birth date is the ID's, else the surviving digits', else the one
    the record states (linkage.standardise)."""
    return cl.CustomComparison(
        output_column_name="birth_date",
        comparison_levels=[
            cll.NullLevel("birth_date"),
            cll.ExactMatchLevel("birth_date"),
            cll.CustomLevel(
                "damerau_levenshtein(birth_date_l, birth_date_r) <= 1", label_for_charts="one digit off or transposed"
            ),
            cll.ElseLevel(),
        ],
    )


def age_hint_comparison() -> cl.CustomComparison:
    """A record without a birth date may still imply an age (a pupil's stage or grade, a
    pension: lnk_person_records.birth_year_low/high from the linkage_age_hints seed): does the
    other side's birth year fall in that range? Null unless one side has a range and the
    other a birth year."""
    applicable = (
        "((birth_year_l IS NOT NULL AND birth_year_low_r IS NOT NULL) "
        "OR (birth_year_r IS NOT NULL AND birth_year_low_l IS NOT NULL))"
    )
    fits = (
        "coalesce(birth_year_l BETWEEN birth_year_low_r AND birth_year_high_r, true) "
        "AND coalesce(birth_year_r BETWEEN birth_year_low_l AND birth_year_high_l, true)"
    )
    return cl.CustomComparison(
        output_column_name="age_hint",
        comparison_levels=[
            cll.CustomLevel(f"NOT {applicable}").configure(is_null_level=True),
            cll.CustomLevel(fits, label_for_charts="birth year fits the age the record implies"),
            cll.ElseLevel(),
        ],
    )


def place_comparison() -> cl.CustomComparison:
    """Where the person is, counted once: same village; same township; same county, from the
    counties both records name, else from their home regions (the ID's region, else the county
    named) when a side names no county; else. Village and township names repeat across
    counties, so each level also asks for the levels above it. (A home-region comparison of
    its own counted the county twice for records without ID digits, whose home region is the
    county they name, and merged strangers with namesakes of the county.)"""
    same_county = "county_code_l = county_code_r"
    same_township = f"{same_county} AND township_l = township_r"
    county_or_region = (
        f"CASE WHEN county_code_l IS NOT NULL AND county_code_r IS NOT NULL THEN {same_county} "
        "ELSE home_region_l = home_region_r END"
    )
    return cl.CustomComparison(
        output_column_name="place",
        comparison_levels=[
            cll.CustomLevel(
                "(county_code_l IS NULL OR county_code_r IS NULL) AND (home_region_l IS NULL OR home_region_r IS NULL)"
            ).configure(is_null_level=True),
            cll.CustomLevel(f"{same_township} AND village_l = village_r", label_for_charts="same village"),
            cll.CustomLevel(same_township, label_for_charts="same township"),
            cll.CustomLevel(county_or_region, label_for_charts="same county (named, else the home region)"),
            cll.ElseLevel(),
        ],
    )


def household_comparison() -> cl.CustomComparison:
    """Whether the two live with the same people: the record's roster household and the
    households the valid-ID person is listed in share a member known by a valid ID. Null
    unless both sides belong to a roster household with other members."""
    return cl.CustomComparison(
        output_column_name="household",
        comparison_levels=[
            cll.CustomLevel("housemates_l IS NULL OR housemates_r IS NULL").configure(is_null_level=True),
            cll.CustomLevel("list_has_any(housemates_l, housemates_r)", label_for_charts="lives with the same people"),
            cll.ElseLevel(),
        ],
    )


def register_comparison(config: LinkageConfig, record_shares: dict[str, float] | None = None) -> cl.CustomComparison:
    """Whether the valid-ID person already holds a row of the one-person-once register the
    record without a usable ID comes from (then the record is somebody else), else which
    register it is: coverage differs (医保 holds nearly everyone, 教育 only pupils), so each
    register is its own level and random sampling measures how often a person is missing
    from it. m is fixed, not learnt: 'already there' almost never happens to a true match, and
    a true match is 'missing from X' as often as records without a usable ID come from X
    (`record_shares`, measured by training)."""
    registers = sorted(":".join(r) for r in ONE_ROW_PER_PERSON)
    shares = record_shares or {r: 1 / len(registers) for r in registers}
    unit_and_record = (
        "((held_registers_l IS NOT NULL AND sole_feed_r IS NOT NULL) "
        "OR (held_registers_r IS NOT NULL AND sole_feed_l IS NOT NULL))"
    )
    held = (
        "coalesce(list_contains(held_registers_l, sole_feed_r), false) "
        "OR coalesce(list_contains(held_registers_r, sole_feed_l), false)"
    )
    m_held = config.m_already_on_register
    levels = [
        cll.CustomLevel(f"NOT {unit_and_record}").configure(is_null_level=True),
        cll.CustomLevel(held, label_for_charts="already on that register").configure(
            m_probability=m_held, fix_m_probability=True
        ),
    ]
    for register in registers:
        levels.append(
            cll.CustomLevel(
                f"starts_with(coalesce(sole_feed_l, sole_feed_r), '{register}')",
                label_for_charts=f"missing from {register}",
            ).configure(m_probability=max((1 - m_held) * shares.get(register, 0.0), 1e-6), fix_m_probability=True)
        )
    return cl.CustomComparison(output_column_name="register", comparison_levels=levels)


def settings(config: LinkageConfig | None = None, record_shares: dict[str, float] | None = None) -> SettingsCreator:
    config = config or LinkageConfig()
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unit_id",
        probability_two_random_records_match=1e-4,
        comparisons=[
            id_comparison(),
            name_comparison(),
            birth_date_comparison(),
            age_hint_comparison(),
            cl.ExactMatch("sex"),
            place_comparison(),
            cl.ExactMatch("phone"),
            household_comparison(),
            register_comparison(config, record_shares),
        ],
        blocking_rules_to_generate_predictions=blocking_rules(),
        retain_intermediate_calculation_columns=True,
    )


def _record_sided(sql: str) -> list[CustomRule]:
    """The rule as written (the record on the left) and mirrored (the record on the right)."""
    mirrored = sql.replace("l.", "\0").replace("r.", "l.").replace("\0", "r.")
    return [CustomRule(sql), CustomRule(mirrored)]


def blocking_rules() -> list:
    """Each rule joins on one equality (so DuckDB hashes it); the name-only rules are limited
    to pairs with a record lacking usable ID digits, which is where nothing else finds a match."""
    return [
        block_on("id_compare"),
        # birth date and surname, name and place, phone: a record against everyone (each rule
        # twice, one-sided: record_* is null on the units of a valid ID, whose pairs with each
        # other are never merged, linkage.units.RECORD_SIDE)
        *_record_sided("l.record_birth_date = r.birth_date AND l.surname_pinyin = r.surname_pinyin"),
        *_record_sided("l.record_name_pinyin = r.name_pinyin AND l.home_region = r.home_region"),
        *_record_sided("l.record_name_pinyin = r.name_pinyin AND l.county_code = r.county_code"),
        *_record_sided("l.record_phone = r.phone"),
        # a record without any ID digits against everyone of its name: two one-sided equalities
        # (name_unresolved is null on the units that have digits) keep the join to those records,
        # where one symmetric rule would first pair every 王伟 with every other 王伟
        CustomRule("l.name_unresolved = r.name_pinyin"),
        CustomRule("l.name_pinyin = r.name_unresolved"),
        # and against everyone whose name it is with the given-name characters swapped
        CustomRule("l.name_unresolved_swapped = r.name_pinyin"),
        CustomRule("l.name_pinyin = r.name_unresolved_swapped"),
        # a damaged ID against the valid IDs that share its last eight digits (a slip in the
        # region or birth year), or its first ten and the surname (a slip further on)
        CustomRule("l.damaged_id_tail = r.id_tail"),
        CustomRule("l.id_tail = r.damaged_id_tail"),
        CustomRule("l.damaged_id_head = r.id_head AND l.surname_pinyin = r.surname_pinyin"),
        CustomRule("l.id_head = r.damaged_id_head AND l.surname_pinyin = r.surname_pinyin"),
    ]
