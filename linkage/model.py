"""The Splink model for Chinese person records: comparisons that fit this data, as settings
that round-trip through JSON (linkage/model.json holds the trained parameters)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import SettingsCreator, block_on

MODEL_PATH = Path(__file__).resolve().parent / "model.json"


@dataclass(frozen=True)
class LinkageConfig:
    """Thresholds of the linkage stage (issue 3 tunes them against the generator's truth)."""

    match_threshold: float = 0.95  # a pair at or above this is the same person
    u_max_pairs: float = 2e6
    seed: int = 42


def id_comparison() -> cl.CustomComparison:
    """Exact ID; one mistyped or transposed digit within the same region (the guard keeps the
    costly Damerau-Levenshtein off random pairs, stack-notes.md); same birth date and region."""
    return cl.CustomComparison(
        output_column_name="id_compare",
        comparison_levels=[
            cll.NullLevel("id_compare"),
            cll.ExactMatchLevel("id_compare"),
            cll.CustomLevel(
                "CASE WHEN substr(id_compare_l, 1, 6) = substr(id_compare_r, 1, 6) "
                "THEN damerau_levenshtein(id_compare_l, id_compare_r) <= 1 ELSE false END",
                label_for_charts="one digit off or transposed, same region",
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


def settings() -> SettingsCreator:
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unit_id",
        probability_two_random_records_match=1e-4,
        comparisons=[
            id_comparison(),
            name_comparison(),
            cl.ExactMatch("birth_date"),
            cl.ExactMatch("sex"),
            cl.ExactMatch("county_code"),
            cl.ExactMatch("phone"),
        ],
        blocking_rules_to_generate_predictions=blocking_rules(),
        retain_intermediate_calculation_columns=True,
    )


def blocking_rules() -> list:
    return [
        block_on("id_compare"),
        block_on("birth_date", "surname_pinyin"),
        block_on("name_pinyin", "id_region"),
        block_on("name_pinyin", "county_code"),
        block_on("phone"),
    ]
