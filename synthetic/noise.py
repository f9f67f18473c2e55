"""How real department files damage values (feeds.md): mistyped and transposed ID digits,
15-digit IDs, Excel's scientific notation, full-width digits, homophones in names, and the
many ways of writing a date, an amount or a county."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from pypinyin import lazy_pinyin

from ingestion.normalise import EXCEL_EPOCH
from synthetic.population import GIVEN_FEMALE, GIVEN_MALE

_FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
EXTRA_NAME_CHARS = (
    "莉俐丽力立锋峰丰玮炜伟君军均桦华骅铭明鸣瑛英莹方芳滔涛韬婧静靖洁杰婕虹"
    "红鸿鹃娟蔷强永勇咏蕾磊萍平苹钢刚晖辉琳玲菱彬斌羽宇雨玉朋鹏欣新鑫馨岚兰蓝"
)


@lru_cache(maxsize=1)
def homophones() -> dict[str, list[str]]:
    """Name characters that sound the same in toneless pinyin, e.g. 丽/莉/力."""
    chars = set(GIVEN_MALE) | set(GIVEN_FEMALE) | set(EXTRA_NAME_CHARS)
    groups: dict[str, list[str]] = {}
    for ch in sorted(chars):
        groups.setdefault(lazy_pinyin(ch)[0], []).append(ch)
    return {ch: [o for o in group if o != ch] for group in groups.values() for ch in group if len(group) > 1}


@dataclass
class NoiseRates:
    """Per-value probabilities at noise level 1.0 (the generator's default)."""

    id_typo: float = 0.008
    id_transposition: float = 0.004
    id_blank: float = 0.01
    id_spaces: float = 0.005
    id_full_width: float = 0.003
    id_lower_x: float = 0.3
    id_fifteen: float = 0.015
    id_excel_damage: float = 0.015
    id_trailing_zero: float = 0.01
    name_homophone: float = 0.015
    name_space: float = 0.008
    duplicate_row: float = 0.003

    def scaled(self, level: float) -> NoiseRates:
        keep = {"id_lower_x"}
        return NoiseRates(**{k: (v if k in keep else min(1.0, v * level)) for k, v in vars(self).items()})


class Noise:
    def __init__(self, rng: random.Random, level: float = 1.0, seed: int = 0):
        self.rng = rng
        self.seed = seed
        self.rates = NoiseRates().scaled(level)

    def keyed(self, key: str) -> Noise:
        """The same damage every month for one person in one department's files: the register
        keeps its mistakes."""
        twin = Noise.__new__(Noise)
        twin.rng, twin.seed, twin.rates = random.Random(f"{self.seed}:{key}"), self.seed, self.rates
        return twin

    def id_number(self, id18: str, *, excel: bool, blank_rate: float | None = None) -> tuple[str | None, str]:
        """Delivered form of an ID and what was done to it (for the truth files)."""
        r, rates = self.rng.random, self.rates
        if r() < (rates.id_blank if blank_rate is None else blank_rate):
            return None, "blank"
        if excel and r() < rates.id_excel_damage:
            return f"{float(id18[:17]) * 10:.5E}", "excel_damaged"  # as Excel shows 4.10102E+17
        if r() < rates.id_typo:
            pos = self.rng.randrange(14, 17)
            digit = str((int(id18[pos]) + self.rng.randint(1, 9)) % 10)
            return id18[:pos] + digit + id18[pos + 1 :], "typo"
        if r() < rates.id_transposition:
            pos = self.rng.randrange(14, 16)
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
        if "·" not in name and len(name) >= 2 and r() < self.rates.name_homophone:
            positions = [i for i in range(1, len(name)) if name[i] in homophones()]
            if positions:
                i = self.rng.choice(positions)
                return name[:i] + self.rng.choice(homophones()[name[i]]) + name[i + 1 :], "homophone"
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
