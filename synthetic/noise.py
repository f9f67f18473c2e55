"""How real department files damage values (feeds.md): mistyped and transposed ID digits
(anywhere, the region digits too), a family member's ID, 15-digit IDs, Excel's scientific
notation, full-width digits; homophones, one-character typos and swapped given names; old or
shared phone numbers, people a register last saw in another county, and people no register
knows; and the many ways of writing a date, an amount or a county. Two named mixes:
`default` (realistic: the ID-keyed registers always hold an ID) and `stress`."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache, lru_cache

from pypinyin import lazy_pinyin

from ingestion.normalise import EXCEL_EPOCH, id_check_char
from synthetic.population import GIVEN_FEMALE, GIVEN_MALE, Person, draw_name, random_phone

_FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
EXTRA_NAME_CHARS = (
    "莉俐丽力立锋峰丰玮炜伟君军均桦华骅铭明鸣瑛英莹方芳滔涛韬婧静靖洁杰婕虹"
    "红鸿鹃娟蔷强永勇咏蕾磊萍平苹钢刚晖辉琳玲菱彬斌羽宇雨玉朋鹏欣新鑫馨岚兰蓝"
)


NAME_CHARS = "".join(sorted(set(GIVEN_MALE) | set(GIVEN_FEMALE) | set(EXTRA_NAME_CHARS)))


@cache
def _sound(char: str) -> str:
    return lazy_pinyin(char)[0]


@lru_cache(maxsize=1)
def homophones() -> dict[str, list[str]]:
    """Name characters that sound the same in toneless pinyin, e.g. 丽/莉/力."""
    groups: dict[str, list[str]] = {}
    for ch in NAME_CHARS:
        groups.setdefault(_sound(ch), []).append(ch)
    return {ch: [o for o in group if o != ch] for group in groups.values() for ch in group if len(group) > 1}


# Registers keyed by ID number in the source system (医保 enrolment and settlements, 人社
# insurance, 不动产, 残联 cards, 教育 students): a row always holds an ID there; what goes wrong
# is the way out (Excel, a typo, the 15-digit form, a family member's number).
ID_KEYED_FEEDS = frozenset(
    {
        "medins_enrollment",
        "medins_settlements",
        "hrss_insurance",
        "housing_property",
        "disability_cards",
        "edu_students",
    }
)
# Rosters kept by ID but by hand: a blank ID is rare there.
ROSTER_FEEDS = frozenset({"civil_dibao", "civil_tekun", "civil_marginal", "rural_monitoring"})


@dataclass
class NoiseRates:
    """Per-value probabilities at noise level 1.0 of the realistic profile (the generator's
    default). `profile` names the mix; `stress` (NOISE_PROFILES) is the older, harsher one."""

    profile: str = "default"
    id_typo: float = 0.008
    id_transposition: float = 0.004
    id_typo_first: int = 0  # first ID position a typo or transposition may hit (0: anywhere)
    id_blank: float = 0.01  # hand-kept records without an explicit rate of their own
    id_blank_roster: float = 0.002
    id_blank_register: float = 0.0  # ID-keyed registers (ID_KEYED_FEEDS)
    id_spaces: float = 0.005
    id_full_width: float = 0.003
    id_lower_x: float = 0.3
    id_fifteen: float = 0.015
    id_excel_damage: float = 0.015
    id_trailing_zero: float = 0.01
    id_family: float = 0.001  # a household member's ID number on the person's row
    name_homophone: float = 0.015
    name_typo: float = 0.005  # one given-name character replaced by another, not a homophone
    name_swapped: float = 0.003  # the two given-name characters swapped
    name_space: float = 0.008
    phone_changed: float = 0.08  # the record holds a number the person no longer uses
    phone_shared: float = 0.05  # the record holds a family member's number
    moved_county: float = 0.02  # a register last saw the person in another county
    unregistered: float = 0.1  # a visit or report is about somebody on no register at all
    duplicate_row: float = 0.003

    def scaled(self, level: float) -> NoiseRates:
        keep = {"id_lower_x", "profile", "id_typo_first"}
        return NoiseRates(**{k: (v if k in keep else min(1.0, v * level)) for k, v in vars(self).items()})

    def blank_rate(self, feed_code: str) -> float:
        if feed_code in ID_KEYED_FEEDS:
            return self.id_blank_register
        if feed_code in ROSTER_FEEDS:
            return self.id_blank_roster
        return self.id_blank


NOISE_PROFILES = {
    "default": NoiseRates(),
    # The mix the generator had before issue 14, kept as a harsher test: blank IDs in every
    # feed alike, the ID-keyed registers included, and the broadened damage at twice the rate.
    "stress": NoiseRates(
        profile="stress",
        id_blank_roster=0.01,
        id_blank_register=0.01,
        id_family=0.002,
        name_typo=0.01,
        name_swapped=0.006,
        phone_changed=0.16,
        phone_shared=0.1,
        moved_county=0.04,
        unregistered=0.25,
    ),
}


class Noise:
    def __init__(self, rng: random.Random, level: float = 1.0, seed: int = 0, profile: str = "default"):
        if profile not in NOISE_PROFILES:
            raise ValueError(f"unknown noise profile {profile!r}: one of {sorted(NOISE_PROFILES)}")
        self.rng = rng
        self.seed = seed
        self.rates = NOISE_PROFILES[profile].scaled(level)

    def keyed(self, key: str) -> Noise:
        """The same damage every month for one person in one department's files: the register
        keeps its mistakes."""
        twin = Noise.__new__(Noise)
        twin.rng, twin.seed, twin.rates = random.Random(f"{self.seed}:{key}"), self.seed, self.rates
        return twin

    def happens(self, rate_name: str) -> bool:
        return self.rng.random() < getattr(self.rates, rate_name)

    def id_number(
        self, id18: str, *, excel: bool, blank_rate: float | None = None, family_id: str | None = None
    ) -> tuple[str | None, str]:
        """Delivered form of an ID and what was done to it (for the truth files)."""
        r, rates = self.rng.random, self.rates
        if r() < (rates.id_blank if blank_rate is None else blank_rate):
            return None, "blank"
        if family_id and r() < rates.id_family:
            return family_id, "family_member"
        if excel and r() < rates.id_excel_damage:
            return f"{float(id18[:17]) * 10:.5E}", "excel_damaged"  # as Excel shows 4.10102E+17
        if r() < rates.id_typo:
            pos = self.rng.randrange(rates.id_typo_first, 17)
            digit = str((int(id18[pos]) + self.rng.randint(1, 9)) % 10)
            return id18[:pos] + digit + id18[pos + 1 :], "typo"
        if r() < rates.id_transposition:
            pos = self.rng.randrange(rates.id_typo_first, 16)
            if id18[pos] != id18[pos + 1]:
                return id18[:pos] + id18[pos + 1] + id18[pos] + id18[pos + 2 :], "transposition"
        if 1900 <= int(id18[6:10]) <= 1999 and r() < rates.id_fifteen:
            return id18[:6] + id18[8:17], "fifteen"
        if r() < rates.id_spaces:
            return f"{id18[:6]} {id18[6:14]} {id18[14:]}", "spaces"
        if r() < rates.id_full_width:
            return id18.translate(_FULL_WIDTH), "full_width"
        if excel and r() < rates.id_trailing_zero and id18[-1] != "X":
            return id18 + ".0", "trailing_zero"
        if id18.endswith("X") and r() < rates.id_lower_x:
            return id18[:-1] + "x", "lower_x"
        return id18, "clean"

    def name(self, name: str) -> tuple[str, str]:
        r = self.rng.random
        plain = "·" not in name and len(name) >= 2
        if plain and r() < self.rates.name_homophone:
            positions = [i for i in range(1, len(name)) if name[i] in homophones()]
            if positions:
                i = self.rng.choice(positions)
                return name[:i] + self.rng.choice(homophones()[name[i]]) + name[i + 1 :], "homophone"
        if plain and r() < self.rates.name_typo:
            i = self.rng.randrange(1, len(name))
            others = [c for c in NAME_CHARS if _sound(c) != _sound(name[i])]
            return name[:i] + self.rng.choice(others) + name[i + 1 :], "typo"
        if plain and len(name) == 3 and name[1] != name[2] and r() < self.rates.name_swapped:
            return name[0] + name[2] + name[1], "swapped"
        if len(name) == 2 and r() < self.rates.name_space:
            return name[0] + " " + name[1], "space"
        return name, "clean"

    def date(self, d: date | None, *, excel: bool) -> str | int | None:
        if d is None:
            return None
        if excel and self.rng.random() < 0.3:
            return (d - EXCEL_EPOCH).days
        fmt = self.rng.choices(
            ["{:%Y-%m-%d}", "{d.year}/{d.month}/{d.day}", "{:%Y%m%d}", "{d.year}年{d.month}月{d.day}日", "{:%Y.%m.%d}"],
            [60, 15, 10, 10, 5],
        )[0]
        return fmt.format(d, d=d)

    def amount(self, value: float | None, *, excel: bool) -> str | float | None:
        if value is None:
            return None
        if excel:
            return round(value, 2)
        form = self.rng.choices(["plain", "comma", "yuan"], [80, 12, 8])[0]
        if form == "comma":
            return f"{value:,.2f}"
        if form == "yuan":
            return f"{value:g}元"
        return f"{value:.2f}".rstrip("0").rstrip(".")

    def county(self, code: str, name: str) -> str:
        form = self.rng.choices(["name", "long", "longer", "code"], [70, 12, 8, 10])[0]
        return {"name": name, "long": f"临汾市{name}", "longer": f"山西省临汾市{name}", "code": code}[form]


def unregistered_person(builder, like: Person, noise: Noise, feed_code: str) -> Person:
    """Somebody living where `like` lives whom no register holds (a newcomer, a neighbour in
    hardship): a hand-kept record may be about them, and no record with a valid ID is. Drawn
    from the record's own damage stream, so the city's other people stay as they were."""
    rng = noise.rng
    sex = rng.choice(["男", "女"])
    birth = builder.d - timedelta(days=rng.randrange(20, 85) * 365 + rng.randrange(365))
    region = like.id_number[:6]
    while True:
        first17 = f"{region}{birth:%Y%m%d}{rng.randrange(0, 500) * 2 + (sex == '男'):03d}"
        if first17 not in builder.ids.used:
            break
    return Person(
        pid=f"U{like.pid}-{feed_code}",
        hid=f"U{like.hid}-{feed_code}",
        name=draw_name(rng, sex),
        sex=sex,
        birth=birth,
        id_number=first17 + id_check_char(first17),
        relation="本人",
        phone=random_phone(rng) if rng.random() < 0.85 else None,
    )
