"""Assistance and the month's events for the background population.

The background is kept "clean" for the rule catalogue: assistance is in place wherever a rule
would otherwise fire, so that the alerts the pipeline raises are the planted cases (see
planted.py), plus what noise in the feeds legitimately causes (S08)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from synthetic.population import CityBuilder, Household, Person

SEVERE_DAMAGE = ("房屋倒塌", "房屋严重损坏", "紧急转移安置", "人员受伤")


@dataclass
class Events:
    temp_grants: list[dict] = field(default_factory=list)
    verifications: list[dict] = field(default_factory=list)
    exits: list[dict] = field(default_factory=list)
    visits: list[dict] = field(default_factory=list)
    applications: list[dict] = field(default_factory=list)
    reports: list[dict] = field(default_factory=list)
    settlements: list[dict] = field(default_factory=list)
    disasters: list[dict] = field(default_factory=list)
    cadres: list[dict] = field(default_factory=list)
    counter: int = 0

    def next_number(self, prefix: str, month: str) -> str:
        self.counter += 1
        return f"{prefix}{month.replace('-', '')}{self.counter:07d}"


def low_income(hh: Household) -> bool:
    """Low-income as domain.md counts it: on a roster, or a 防返贫 monitoring household at risk."""
    at_risk = hh.rural_category == "监测户" and hh.risk_eliminated == "否"
    return at_risk or hh.programme in ("tekun", "dibao", "marginal", "expenditure_hardship")


def assign_programme(b: CityBuilder, hh: Household) -> None:
    """Enrol a household by the income rules of domain.md and make its records consistent."""
    rng, s = b.rng, b.standard(hh)
    head = hh.head
    per_person = hh.income_per_person_monthly()
    severe_single = bool(head.disability and head.disability[1] in ("一级", "二级"))
    assets_pass = hh.financial_assets <= 24 * s * len(hh.members) and hh.vehicles == 0 and hh.businesses == 0
    if len(hh.members) == 1 and (head.age(b.d) >= 60 or severe_single) and per_person < 1.3 * s:
        hh.programme = "tekun"
        hh.tekun_mode = rng.choices(["集中供养", "分散供养"], [30, 70])[0]
    elif per_person < s and assets_pass:
        hh.programme = "dibao"
    elif per_person < 1.5 * s and assets_pass and rng.random() < 0.8:
        hh.programme = "marginal"
    elif any(p.health == "重病" for p in hh.members) and rng.random() < 0.05:
        hh.programme = "expenditure_hardship"
    if severe_single and hh.programme != "tekun" and head.age(b.d) < 60 and not head.contribution_base:
        head.job, head.contribution_base, head.employment_status = "enterprise", 3000.0, "就业"
    # a background 脱贫户 below the 低保 line is on 低保 or 特困 (its assistance in place: N06 reads
    # 脱贫户 too); one kept off by its assets is not tagged, since no feed shows the assets to N06
    below_line_uncovered = per_person < s and hh.programme not in ("dibao", "tekun")
    if not hh.urban and (rng.random() < (0.35 if low_income(hh) else 0.06)) and not below_line_uncovered:
        hh.rural_category = "脱贫户"
        hh.risk_eliminated = "是"
    elif not hh.urban and rng.random() < 0.015:
        hh.rural_category = "监测户"
        hh.monitoring_category = rng.choice(["脱贫不稳定户", "边缘易致贫户", "突发严重困难户"])
        poor = per_person * 12 < 12 * b.standards[(hh.county_code, False)]
        hh.risk_eliminated = "否" if (not poor or hh.programme in ("dibao", "tekun")) else "是"
    if hh.rural_category:
        hh.rural_code = f"{hh.county_code}{b.n_households:09d}"
    if hh.programme:
        hh.enrolment_date = b.d - timedelta(days=rng.randint(60, 365 * 6))
        hh.roster_number = f"{hh.county_code}{b.n_households:08d}"
    if low_income(hh):
        _consistent_low_income(hh)
    if low_income(hh) and hh.programme not in ("dibao", "tekun"):
        # 单人保: the member whose disability meets the need is covered alone, whatever the family
        put_on_individual_dibao(b, hh, [p for p in hh.members if _single_dibao_need(p)])
    if len(hh.members) == 1 and hh.programme != "tekun" and (head.age(b.d) >= 60 or severe_single):
        # someone alone, old or severely disabled, who is not 特困 lives on at least 1.3 x S: a
        # pension for the old, a wage otherwise, that 人社 knows of (N03 reads it)
        income = round(max(per_person, 1.3 * s) + 10, -1)
        if head.age(b.d) >= 60:
            head.job = head.job or "resident"
            head.monthly_pension = max(head.monthly_pension or 0, income)
        else:
            head.job, head.contribution_base, head.employment_status = "enterprise", income, "就业"


def put_on_individual_dibao(b: CityBuilder, hh: Household, members: list[Person]) -> None:
    """单人保: the members of a 低保边缘 or at-risk family whose disability meets the need go on
    低保 alone, each under a roster number of their own; the family keeps its programme."""
    for p in members:
        b.n_households += 1
        hh.individual_dibao[p.pid] = f"{hh.county_code}{b.n_households:08d}"


def on_dibao(hh: Household, p: Person) -> bool:
    """On 低保: as a member of a 低保 household, or alone (单人保)."""
    return hh.programme == "dibao" or p.pid in hh.individual_dibao


def _single_dibao_need(p: Person) -> bool:
    return bool(
        p.disability
        and (p.disability[1] in ("一级", "二级") or (p.disability[1] == "三级" and p.disability[0] in ("智力", "精神")))
    )


def _consistent_low_income(hh: Household) -> None:
    """What a properly assessed low-income household looks like in the other departments."""
    hh.vehicles = hh.businesses = 0
    for p in hh.members:
        if p.job in ("government", "public_institution", "enterprise"):
            p.job, p.contribution_base = "resident", None
        if p.job == "retired":
            p.job, p.monthly_pension = "resident", 180.0
        if p.employment_status in ("登记失业", "就业困难人员", "就业"):
            p.employment_status = "未就业"
        p.properties, p.commercial_properties = min(p.properties, 1), 0


def month_events(b: CityBuilder, households: list[Household], ev: Events, with_cadres: bool = True) -> None:
    """Deaths, exits, verifications, visits, applications, settlements and a disaster."""
    rng, d = b.rng, b.d
    first = d.replace(day=1)

    def day_in_month() -> date:
        return first + timedelta(days=rng.randrange(d.day))

    for hh in households:
        for p in hh.members:
            if p.death_date:
                continue
            age = p.age(d)
            risk = 0.008 if age >= 80 else 0.002 if age >= 60 else 0.0002
            if low_income(hh) and 16 <= age < 60:
                risk = 0  # a working-age death in a low-income household is planted (U03)
            if rng.random() < risk:
                p.death_date = day_in_month()
                if hh.programme in ("dibao", "tekun"):
                    ev.exits.append(
                        dict(
                            person=p,
                            household=hh,
                            programme=hh.programme,
                            date=p.death_date,
                            reason="死亡",
                            income=hh.income_per_person_monthly(),
                        )
                    )
        if hh.programme == "dibao" and rng.random() < 0.008:
            hh.income_annual = max(hh.income_annual, 1.7 * b.standard(hh) * 12 * len(hh.members))
            when = day_in_month()
            hh.overrides["dibao_exit_date"] = when
            for p in hh.members:
                ev.exits.append(
                    dict(
                        person=p,
                        household=hh,
                        programme="dibao",
                        date=when,
                        reason="收入超标",
                        income=hh.income_per_person_monthly(),
                    )
                )
        if low_income(hh) and rng.random() < 0.02:
            ev.temp_grants.append(
                dict(
                    person=hh.head,
                    household=hh,
                    date=day_in_month(),
                    type=rng.choice(["急难型", "支出型"]),
                    reason="生活困难",
                    amount=float(rng.randrange(300, 2000, 100)),
                )
            )
        if hh.programme in ("dibao", "marginal") and rng.random() < 1 / 12:
            ev.verifications.append(dict(household=hh, date=day_in_month()))
        if rng.random() < (0.03 if low_income(hh) else 0.002):
            p = hh.head
            types = sorted(
                {
                    "残疾" if m.disability else "重病" if m.health == "重病" else "慢性病"
                    for m in hh.members
                    if m.disability or m.health != "健康"
                }
                or {"就医困难"}
            )
            ev.visits.append(dict(person=p, household=hh, date=day_in_month(), types=types, assisted="否"))
        if not low_income(hh) and rng.random() < 0.006:
            ev.applications.append(
                dict(
                    person=hh.head,
                    household=hh,
                    date=day_in_month(),
                    programme=rng.choice(["低保", "临时救助", "低保边缘"]),
                    status=rng.choice(["已受理", "核对中", "审核中"]),
                    decision=None,
                )
            )
        if not low_income(hh) and rng.random() < 0.005:
            ev.reports.append(dict(person=hh.head, household=hh, date=day_in_month()))
        for p in hh.members:
            if not p.death_date:
                _settlements(b, hh, p, ev, day_in_month)
    _disaster(b, households, ev, day_in_month)
    if with_cadres:
        _cadres(b, households, ev)


def _settlements(b: CityBuilder, hh: Household, p: Person, ev: Events, day_in_month) -> None:
    rng = b.rng
    age = p.age(b.d)
    inpatient = 0.006 + (0.01 if age >= 60 else 0) + (0.03 if p.health == "重病" else 0)
    for kind, prob in (("住院", inpatient), ("门诊慢特病", 0.03 if p.health == "慢性病" else 0), ("普通门诊", 0.02)):
        if rng.random() >= prob:
            continue
        total = round(rng.lognormvariate(0, 0.7) * (9000 if kind == "住院" else 600), 2)
        basic = round(total * rng.uniform(0.55, 0.75), 2)
        critical = round(max(0.0, total - basic - 15000) * 0.6, 2)
        rest = total - basic - critical
        assistance = round(rest * 0.7, 2) if (kind == "住院" and low_income(hh) and rest > 0) else 0.0
        oop = round(rest - assistance, 2)
        # keeps N04 (12-month sum), N05 (12-month sum) and U02 (one stay) for the planted cases
        limit = 9000 if low_income(hh) else 18000
        if oop > limit or p.out_of_pocket_total + oop > (9000 if low_income(hh) else 24000):
            continue
        p.out_of_pocket_total += oop
        when = day_in_month()
        ev.settlements.append(
            dict(
                person=p,
                kind=kind,
                admission=when - timedelta(days=rng.randint(2, 14)) if kind == "住院" else when,
                date=when,
                total=total,
                basic=basic,
                critical=critical,
                assistance=assistance,
                oop=oop,
                diagnosis=rng.choice(["肺炎", "高血压", "糖尿病", "冠心病", "脑梗死", "骨折"]),
                major="否",
            )
        )


def _disaster(b: CityBuilder, households: list[Household], ev: Events, day_in_month) -> None:
    rng = b.rng
    if not households:
        return
    struck = {(h.county_code, h.village) for h in rng.sample(households, k=min(2, len(households)))}
    number = ev.next_number("ZQ", b.month)
    kind, when = rng.choice(["洪涝", "风雹", "地质灾害"]), day_in_month()
    for hh in households:
        if (hh.county_code, hh.village) not in struck or rng.random() > 0.6:
            continue
        damage = rng.choices(
            ["农作物绝收", "房屋一般损坏", "房屋严重损坏", "房屋倒塌", "紧急转移安置", "人员受伤"],
            [50, 25, 10, 3, 10, 2],
        )[0]
        for p in hh.members:
            if p.death_date:
                continue
            ev.disasters.append(
                dict(number=number, person=p, household=hh, kind=kind, date=when, damage=damage, relief=None)
            )
            if damage in SEVERE_DAMAGE:
                grant_day = min(when + timedelta(days=rng.randint(0, 3)), b.d)
                ev.temp_grants.append(
                    dict(
                        person=p,
                        household=hh,
                        date=grant_day,
                        type="急难型",
                        reason=f"{kind}受灾",
                        amount=float(rng.randrange(500, 3000, 100)),
                    )
                )


def _cadres(b: CityBuilder, households: list[Household], ev: Events) -> None:
    rng = b.rng
    by_village: dict[tuple, list[Household]] = {}
    for hh in households:
        by_village.setdefault((hh.county_code, hh.village), []).append(hh)
    for village_households in by_village.values():
        candidates = [h for h in village_households if not low_income(h)]
        if len(candidates) < 2:
            continue
        cadre_hh = rng.choice(candidates)
        cadre = cadre_hh.head
        position = rng.choice(["村党支部书记", "村委会主任", "村委会委员", "社区居委会主任"])
        for relative in [m for m in cadre_hh.members[1:3]]:
            ev.cadres.append(
                dict(
                    cadre=cadre,
                    relative=relative,
                    household=cadre_hh,
                    position=position,
                    relationship={"配偶": "配偶", "子": "子女", "女": "子女"}.get(relative.relation, "其他"),
                )
            )


def roll_over(b: CityBuilder, households: list[Household], previous: Events, ev: Events) -> None:
    """What last month's events mean this month: exits take effect, applications are decided,
    village reports get a follow-up visit."""
    rng = b.rng
    first = b.d.replace(day=1)
    for hh in households:
        if hh.overrides.pop("dibao_exit_date", None):
            hh.programme = None
    for application in previous.applications:
        if application.get("decision") is None:
            ev.applications.append(
                dict(application, status="不予认定", decision=first + timedelta(days=rng.randrange(10)))
            )
    for report in previous.reports:
        ev.visits.append(
            dict(
                person=report["person"],
                household=report["household"],
                date=first + timedelta(days=rng.randrange(10)),
                types=["就医困难"],
                assisted="否",
                follow_up=True,
            )
        )
