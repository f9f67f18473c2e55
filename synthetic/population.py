"""A synthetic 临汾: households of people across the 17 counties, with the facts the
departments record about them and the assistance civil affairs gives them. This is the truth
the feeds are written from; nothing here is a real person."""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from faker.providers.person.zh_CN import Provider as FakerNames

from ingestion.normalise import id_check_char
from reference import SEEDS_DIR, counties, month_end

SURNAMES = list(FakerNames.last_names.keys())
SURNAME_WEIGHTS = list(FakerNames.last_names.values())
GIVEN_MALE = [c for c in "".join(FakerNames.first_names_male)] + list("斌彬鹏朋宇羽新鑫辉晖锋峰玮炜君骏")
GIVEN_FEMALE = [c for c in "".join(FakerNames.first_names_female)] + list("莉俐婧靖瑛莹萍苹琳玲岚欣馨蕾")
# The names everyone shares (issue 3: 王伟, 张伟, 李娜 collide), and namesakes: people born on
# the same day in the same county under the same name, told apart only by the ID's sequence.
COMMON_NAMES = {
    "男": ("王伟", "张伟", "李伟", "刘伟", "王磊", "李强", "张勇", "王军"),
    "女": ("李娜", "王芳", "张敏", "李静", "王静", "张丽", "刘艳", "王秀英"),
}
COMMON_NAME_SHARE = 0.01
NAMESAKE_SHARE = 0.004
MINORITY_NAMES = ["阿依古丽·买买提", "古丽娜·艾力", "买买提·吐尔逊", "热依拉·阿不都"]
PLACE_CHARS = "东西南北新古安河山汾浮城关泉水乔李刘杜贾段乡宁永和兴隆龙凤岭沟坡庄寨堡营"

DISABILITY_CATEGORIES = ["视力", "听力", "言语", "肢体", "智力", "精神", "多重"]
DISABILITY_CATEGORY_DIGIT = {c: str(i + 1) for i, c in enumerate(DISABILITY_CATEGORIES)}
DISABILITY_LEVELS = ["一级", "二级", "三级", "四级"]


def dibao_standards() -> dict[tuple[str, bool], float]:
    """(county_code, urban) -> monthly 低保 standard, from the dbt seed."""
    out = {}
    with open(SEEDS_DIR / "dibao_standards.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            out[(row["county_code"], row["area"] == "urban")] = float(row["monthly_standard_yuan"])
    return out


@dataclass
class Person:
    pid: str
    hid: str
    name: str
    sex: str
    birth: date
    id_number: str
    relation: str
    phone: str | None = None
    death_date: date | None = None
    disability: tuple[str, str] | None = None  # (category, level)
    health: str = "健康"
    job: str | None = None  # enterprise / government / public_institution / resident / retired
    monthly_pension: float | None = None
    contribution_base: float | None = None
    employment_status: str = "未就业"
    properties: int = 0
    commercial_properties: int = 0
    out_of_pocket_total: float = 0.0  # medical spending so far, to keep the background under N04/N05
    clean: bool = False  # planted subjects are delivered without noise
    overrides: dict = field(default_factory=dict)  # per-feed deviations planted for a rule

    def age(self, on: date) -> int:
        return on.year - self.birth.year - ((on.month, on.day) < (self.birth.month, self.birth.day))


@dataclass
class Household:
    hid: str
    county_code: str
    township: str
    village: str
    urban: bool
    members: list[Person] = field(default_factory=list)
    income_annual: float = 0.0
    financial_assets: float = 0.0
    vehicles: int = 0
    businesses: int = 0
    programme: str | None = None  # tekun / dibao / marginal / expenditure_hardship
    enrolment_date: date | None = None
    roster_number: str | None = None  # 户编号 of the civil affairs rosters
    rural_code: str | None = None  # 户编码 of 乡村振兴
    rural_category: str | None = None  # 脱贫户 / 监测户
    monitoring_category: str | None = None
    risk_eliminated: str | None = None
    tekun_mode: str | None = None
    # 单人保: members put on 低保 alone (pid -> their own roster 户编号); the family keeps its
    # own programme (低保边缘, or none for a 防返贫 household at risk)
    individual_dibao: dict[str, str] = field(default_factory=dict)
    # individual 特困 support of a member of a larger family (a 特困 person in a 脱贫户)
    individual_tekun: list[str] = field(default_factory=list)
    overrides: dict = field(default_factory=dict)

    @property
    def head(self) -> Person:
        return self.members[0]

    def income_per_person_monthly(self) -> float:
        return self.income_annual / max(len(self.members), 1) / 12


@dataclass
class City:
    month: str
    households: list[Household]
    places: dict[str, list[tuple[str, list[str]]]]  # county -> [(township, villages)]

    @property
    def people(self) -> list[Person]:
        return [p for h in self.households for p in h.members]


class IdIssuer:
    """Issues unique, valid 18-character ID numbers (GB 11643-1999)."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = set()

    def issue(self, region: str, birth: date, sex: str) -> str:
        while True:
            seq = self.rng.randrange(0, 999)
            if (seq % 2 == 1) != (sex == "男"):
                seq = (seq + 1) % 1000
            first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
            if first17 not in self.used:
                self.used.add(first17)
                return first17 + id_check_char(first17)


def draw_name(rng: random.Random, sex: str, surname: str | None = None) -> str:
    """A name as the city's people bear them: now and then a minority name, else a surname
    by frequency and one or two given-name characters."""
    if rng.random() < 0.002:
        return rng.choice(MINORITY_NAMES)
    surname = surname or rng.choices(SURNAMES, SURNAME_WEIGHTS)[0]
    pool = GIVEN_MALE if sex == "男" else GIVEN_FEMALE
    given = rng.choice(pool) + (rng.choice(pool) if rng.random() < 0.55 else "")
    return surname + given


def random_phone(rng: random.Random) -> str:
    """A mobile number (its uniqueness is the caller's affair)."""
    return rng.choice(["139", "138", "135", "150", "152", "186", "187", "133", "177"]) + f"{rng.randrange(10**8):08d}"


class CityBuilder:
    """Builds households and people; programme membership follows the income rules."""

    def __init__(self, people: int, month: str, seed: int):
        self.rng = random.Random(seed)
        self.seed = seed
        self.target = people
        self.month = month
        self.d = month_end(month)
        self.ids = IdIssuer(self.rng)
        self.standards = dibao_standards()
        self.counties = counties()
        self.places = self._places()
        self.n_people = 0
        self.n_households = 0
        self.phones: set[str] = set()
        self.born: dict[str, list[Person]] = {"男": [], "女": []}

    def _place_name(self, suffix: str) -> str:
        return "".join(self.rng.choices(PLACE_CHARS, k=2)) + suffix

    def _places(self) -> dict[str, list[tuple[str, list[str]]]]:
        places = {}
        for code, _name, _pop in self.counties:
            towns = []
            for t in range(self.rng.randint(4, 8)):
                urban_town = t < 2
                town = self._place_name("街道" if urban_town else self.rng.choice(["镇", "乡"]))
                villages = [self._place_name("社区" if urban_town else "村") for _ in range(self.rng.randint(4, 9))]
                towns.append((town, villages))
            places[code] = towns
        return places

    # -- people -------------------------------------------------------------------------
    def name(self, sex: str, surname: str | None = None) -> str:
        return draw_name(self.rng, sex, surname)

    def phone(self) -> str:
        while True:
            number = random_phone(self.rng)
            if number not in self.phones:
                self.phones.add(number)
                return number

    def person(self, hh: Household, relation: str, sex: str, age: int, surname: str | None = None) -> Person:
        self.n_people += 1
        birth = self.d - timedelta(days=age * 365 + self.rng.randrange(365))
        region = hh.county_code if self.rng.random() < 0.93 else self.rng.choice(self.counties)[0]
        name = self.name(sex, surname)
        roll = self.rng.random()
        if roll < NAMESAKE_SHARE:
            earlier = [q for q in self.born[sex] if surname is None or q.name.startswith(surname)]
            if earlier:
                twin = self.rng.choice(earlier)
                name, birth, region = twin.name, twin.birth, twin.id_number[:6]
        elif roll < NAMESAKE_SHARE + COMMON_NAME_SHARE and surname is None:
            name = self.rng.choice(COMMON_NAMES[sex])
        p = Person(
            pid=f"T{self.n_people:08d}",
            hid=hh.hid,
            name=name,
            sex=sex,
            birth=birth,
            id_number=self.ids.issue(region, birth, sex),
            relation=relation,
        )
        sample = self.born[sex]  # a bounded sample of earlier people to draw namesakes from
        if len(sample) < 2000:
            sample.append(p)
        elif roll < 0.05:
            sample[self.n_people % len(sample)] = p
        p.phone = self.phone() if 16 <= age and self.rng.random() < 0.85 else None
        self._attributes(p, hh, age)
        hh.members.append(p)
        return p

    def _attributes(self, p: Person, hh: Household, age: int) -> None:
        r = self.rng.random
        if r() < 0.055:
            level = self.rng.choices(DISABILITY_LEVELS, [10, 20, 30, 40])[0]
            p.disability = (self.rng.choice(DISABILITY_CATEGORIES), level)
        p.health = self.rng.choices(["健康", "慢性病", "重病"], [80, 17, 3] if age >= 50 else [95, 4, 1])[0]
        if p.disability:
            p.health = "残疾"
        if 18 <= age < 60:
            kind = self.rng.choices(
                ["enterprise", "government", "public_institution", "resident", None],
                [40, 3, 5, 25, 27] if hh.urban else [15, 1, 2, 45, 37],
            )[0]
            p.job = kind
            if kind in ("enterprise", "government", "public_institution"):
                p.contribution_base = float(self.rng.randrange(3000, 9000, 50))
                p.employment_status = "就业"
            elif kind == "resident":
                p.employment_status = self.rng.choices(["就业", "未就业"], [60, 40])[0]
            if p.employment_status == "未就业" and r() < 0.08:
                p.employment_status = "登记失业"
        elif age >= 60:
            if hh.urban and r() < 0.6:
                p.job, p.monthly_pension = "retired", float(self.rng.randrange(2200, 4800, 10))
            else:
                p.job, p.monthly_pension = "resident", float(self.rng.randrange(130, 260, 5))
        if age >= 22 and p.relation == "本人" or (p.relation == "配偶" and r() < 0.05):
            p.properties = self.rng.choices([0, 1, 2, 3], [20, 68, 9, 3])[0]
            p.commercial_properties = min(p.properties, int(hh.urban and r() < 0.7) + (p.properties > 1))

    # -- households ---------------------------------------------------------------------
    def household(
        self, county: str | None = None, size: int | None = None, head_age: int | None = None, urban: bool | None = None
    ) -> Household:
        rng = self.rng
        county = county or rng.choices([c[0] for c in self.counties], [c[2] for c in self.counties])[0]
        towns = self.places[county]
        urban = (rng.random() < 0.42) if urban is None else urban
        town, villages = rng.choice(towns[:2] if urban else towns[2:])
        self.n_households += 1
        hh = Household(f"H{self.n_households:07d}", county, town, rng.choice(villages), urban)
        size = size or rng.choices([1, 2, 3, 4, 5, 6], [14, 26, 25, 20, 10, 5])[0]
        head_age = head_age or rng.randint(24, 88)
        head_sex = rng.choices(["男", "女"], [72, 28])[0]
        head = self.person(hh, "本人", head_sex, head_age)
        surname = head.name[0] if "·" not in head.name else None
        if size >= 2 and head_age < 85:
            self.person(hh, "配偶", "女" if head_sex == "男" else "男", max(20, head_age + rng.randint(-6, 4)))
        while len(hh.members) < size:
            if head_age >= 45 and rng.random() < 0.15 and head_age + 24 < 100:
                sex = rng.choice(["男", "女"])
                self.person(hh, "父亲" if sex == "男" else "母亲", sex, head_age + rng.randint(22, 32))
            elif head_age >= 58 and rng.random() < 0.5:
                self.person(hh, "孙子女", rng.choice(["男", "女"]), rng.randint(1, 16), surname)
            else:
                sex = rng.choice(["男", "女"])
                child_age = max(0, min(head_age - 20, rng.randint(0, 30)))
                self.person(hh, "子" if sex == "男" else "女", sex, child_age, surname)
        self._economy(hh)
        return hh

    def _economy(self, hh: Household) -> None:
        rng = self.rng
        median = 2600 if hh.urban else 1350
        earners = sum(1 for p in hh.members if p.contribution_base or p.job == "resident")
        per_person = rng.lognormvariate(0, 0.62) * median * (0.55 + 0.25 * min(earners, 2))
        pensions = sum(p.monthly_pension or 0 for p in hh.members)
        hh.income_annual = round(per_person * len(hh.members) * 12 + pensions * 6, -1)
        hh.financial_assets = round(rng.lognormvariate(0, 1.0) * 20000 * (per_person / median), -2)
        hh.vehicles = int(rng.random() < min(0.8, per_person / (median * 3)))
        hh.businesses = int(rng.random() < 0.04)

    def set_month(self, month: str) -> None:
        """Move the city to another month: ages, windows and events count from its end."""
        self.month = month
        self.d = month_end(month)

    def standard(self, hh: Household) -> float:
        return self.standards[(hh.county_code, hh.urban)]
