"""The generator: deterministic for a seed, every feed in its delivered form, truth beside it,
planted cases for every rule of the catalogue."""

import csv
import hashlib

from ingestion.catalogue import FEEDS
from ingestion.normalise import IdStatus, normalise_id
from synthetic.generate import generate_month
from synthetic.noise import homophones


def digest(folder):
    return {p.name: hashlib.sha1(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.suffix == ".csv"}


def test_same_seed_same_month(tmp_path):
    a = generate_month(tmp_path / "a", people=1000, seed=5)
    b = generate_month(tmp_path / "b", people=1000, seed=5)
    c = generate_month(tmp_path / "c", people=1000, seed=6)
    assert digest(a.landing_dir / "2023-06") == digest(b.landing_dir / "2023-06")
    assert digest(a.truth_dir) == digest(b.truth_dir)
    assert digest(a.landing_dir / "2023-06") != digest(c.landing_dir / "2023-06")


def test_every_feed_is_delivered(small_month):
    names = {p.name.split("__")[0].split(".")[0] for p in (small_month.landing_dir / "2023-06").iterdir()}
    assert names == {f.code for f in FEEDS}
    assert any("__" in p.name for p in (small_month.landing_dir / "2023-06").iterdir()), "one feed per county"


def test_planted_cases_cover_every_rule_of_the_catalogue(small_month):
    with open("dbt_project/seeds/alert_rules.csv", encoding="utf-8") as f:
        catalogue = {r["rule_id"] for r in csv.DictReader(f)}
    with open(small_month.truth_dir / "planted_alerts.csv", encoding="utf-8") as f:
        planted = [r for r in csv.DictReader(f)]
    assert {r["rule_id"] for r in planted} == catalogue
    assert all(normalise_id(r["id_number"]).status == IdStatus.VALID for r in planted)


def test_truth_names_every_record_and_the_quirks_are_there(tmp_path):
    month = generate_month(tmp_path, people=8000, seed=3)
    with open(month.truth_dir / "records.csv", encoding="utf-8") as f:
        truth = list(csv.DictReader(f))
    assert len(truth) == month.records
    id_noise = {r["id_noise"] for r in truth}
    assert {"clean", "typo", "transposition", "fifteen", "excel_damaged", "blank", "spaces"} <= id_noise
    assert "homophone" in {r["name_noise"] for r in truth}
    text = (month.landing_dir / "2023-06" / "civil_tekun.csv").read_text(encoding="utf-8")
    assert (
        "身份证号" in text.splitlines()[0]
        or "公民身份号码" in text.splitlines()[0]
        or "证件号码" in text.splitlines()[0]
    )


def test_homophones_sound_alike():
    from pypinyin import lazy_pinyin

    table = homophones()
    assert "莉" in table["丽"]
    assert all(lazy_pinyin(a) == lazy_pinyin(b) for a, others in table.items() for b in others)
