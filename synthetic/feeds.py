"""Render the month's truth as the 19 department feeds of feeds.md, each row paired with the
true person (and household) it is about."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from ingestion.catalogue import FEEDS, FEEDS_BY_CODE
from synthetic.events import Events, low_income
from synthetic.noise import ID_KEYED_FEEDS, Noise, unregistered_person
from synthetic.population import (
    DISABILITY_CATEGORY_DIGIT,
    DISABILITY_LEVELS,
    CityBuilder,
    Household,
    Person,
    random_phone,
)

SUBSIDY_CATEGORY = {"tekun": "特困人员", "dibao": "低保对象", "marginal": "低保边缘"}
AID_BY_STAGE = {
    "学前": "免保教费",
    "小学": "营养改善计划",
    "初中": "家庭经济困难寄宿生生活补助",
    "高中": "普通高中国家助学金",
    "中职": "中职国家助学金",
    "高校": "高校国家助学金",
}


@dataclass
class RenderedFeed:
    code: str
    rows: list[dict] = field(default_factory=list)  # English column -> delivered value
    truth: list[list[dict]] = field(default_factory=list)  # per row: [{role, pid, hid, id_noise, name_noise}]
    counties: list[str] = field(default_factory=list)  # per row, for per-county delivery


def assisted_programme(hh: Household) -> str | None:
    """The programme the other departments act on: none once the household's 低保 stops this
    month (its roster says 停保), as from next month, so that no background household is helped
    as poor while in no category (N09)."""
    return None if hh.overrides.get("dibao_exit_date") else hh.programme


def individual_unit(hh: Household, p: Person) -> Household:
    """The 低保 roster household of a 单人保 member: the member alone, under their own number,
    with no income of their own (the family's stays the family's)."""
    member = replace(p, relation="本人")
    member.overrides = p.overrides  # the same person: planted deviations still apply
    return replace(
        hh,
        members=[member],
        roster_number=hh.individual_dibao[p.pid],
        income_annual=0.0,
        overrides={**hh.overrides, "individual_dibao": True},
    )


class Renderer:
    def __init__(
        self, b: CityBuilder, noise: Noise, county_names: dict[str, str], households: list[Household] | None = None
    ):
        self.b, self.noise, self.d, self.rng = b, noise, b.d, b.rng
        self.county_names = county_names
        self.feeds = {feed.code: RenderedFeed(feed.code) for feed in FEEDS}
        self.households = {h.hid: h for h in households or ()}

    # -- value helpers ------------------------------------------------------------------
    def _excel(self, code: str) -> bool:
        return FEEDS_BY_CODE[code].delivery.format == "xlsx"

    def person_values(
        self, code: str, p: Person, blank_rate: float | None = None, may_be_unregistered: bool = False
    ) -> tuple[str, str | None, dict]:
        """Delivered name and ID of a person, and what noise did to them (the truth labels;
        keys starting with _ carry what `emit` puts in the row: another phone or place, or
        the person nobody registered whom a hand-kept record is really about)."""
        clean = dict(id_noise="clean", name_noise="clean", phone_noise="clean", place_noise="clean")
        if p.clean:
            id_value = p.id_number
            if p.overrides.get("roster_id_typo") and code == "civil_dibao":
                id_value = p.id_number[:15] + str((int(p.id_number[15]) + 3) % 10) + p.id_number[16:]
                return p.name, id_value, dict(clean, id_noise="typo")
            return p.name, id_value, clean
        noise = self.noise.keyed(f"{code}:{p.pid}")
        labels: dict = dict(clean)
        if may_be_unregistered and noise.happens("unregistered"):
            p = labels["_person"] = unregistered_person(self.b, p, noise, code)
        name, labels["name_noise"] = noise.name(p.name)
        rate = noise.rates.blank_rate(code) if blank_rate is None else blank_rate
        family = [m.id_number for m in self._family(p) if m.id_number != p.id_number]
        id_value, labels["id_noise"] = noise.id_number(
            p.id_number,
            excel=self._excel(code),
            blank_rate=rate,
            family_id=noise.rng.choice(family) if family else None,
        )
        if p.phone and noise.happens("phone_changed"):
            labels["_phone"], labels["phone_noise"] = random_phone(noise.rng), "changed"
        elif noise.happens("phone_shared"):
            phones = [m.phone for m in self._family(p) if m.phone and m.phone != p.phone]
            if phones:
                labels["_phone"], labels["phone_noise"] = noise.rng.choice(phones), "shared"
        if code in ID_KEYED_FEEDS and noise.happens("moved_county"):
            county = noise.rng.choice([c for c in self.b.places if c != self._county_of(p)])
            town, villages = noise.rng.choice(self.b.places[county])
            labels["_place"] = (county, town, noise.rng.choice(villages))
            labels["place_noise"] = "moved"
        return name, id_value, labels

    def _family(self, p: Person) -> list[Person]:
        hh = self.households.get(p.hid)
        return hh.members if hh else []

    def _county_of(self, p: Person) -> str | None:
        hh = self.households.get(p.hid)
        return hh.county_code if hh else None

    def date(self, code: str, d: date | None):
        return self.noise.date(d, excel=self._excel(code))

    def amount(self, code: str, v: float | None):
        return self.noise.amount(v, excel=self._excel(code))

    def county(self, code: str) -> str:
        return self.noise.county(code, self.county_names[code])

    def emit(self, code: str, row: dict, county: str, *people: tuple[str, Person, dict]) -> None:
        feed = self.feeds[code]
        truth = []
        for role, p, noise in people:
            labels = {k: v for k, v in noise.items() if not k.startswith("_")}
            p = noise.get("_person", p)
            if "phone" not in row:
                labels["phone_noise"] = "clean"  # nothing to damage
            elif "_phone" in noise:
                row["phone"] = noise["_phone"]
            elif "_person" in noise:
                row["phone"] = p.phone
            if "_place" in noise and len(people) == 1 and "county" in row:  # the row's place is this person's
                moved_to, township, village = noise["_place"]
                row["county"] = self.county(moved_to)
                if "township" in row:
                    row.update(township=township, village=village)
                county = moved_to
            else:
                labels["place_noise"] = "clean"
            truth.append(dict(role=role, pid=p.pid, hid=p.hid, **labels))
        feed.rows.append(row)
        feed.counties.append(county)
        feed.truth.append(truth)

    def place(self, hh: Household) -> dict:
        return dict(county=self.county(hh.county_code), township=hh.township, village=hh.village)

    # -- civil affairs ------------------------------------------------------------------
    def roster_members(
        self,
        code: str,
        hh: Household,
        extra: dict,
        status_active: str,
        status_stopped: str,
        members: list[Person] | None = None,
    ) -> None:
        members = members or hh.members
        head_name, head_id, _ = self.person_values(code, hh.head)
        covered = sum(1 for m in members if not m.death_date or m.overrides.get("still_on_roster"))
        for m in members:
            name, id_value, noise = self.person_values(code, m)
            stopped = (m.death_date and not m.overrides.get("still_on_roster")) or hh.overrides.get("dibao_exit_date")
            row = dict(
                self.place(hh),
                household_number=hh.roster_number,
                head_name=head_name,
                head_id_number=head_id,
                member_name=name,
                member_id_number=id_value,
                relation_to_head=m.relation if m.hid == hh.hid else "其他",
                roster_status=status_stopped if stopped else status_active,
                **extra(hh, covered),
            )
            self.emit(code, row, hh.county_code, ("member", m, noise))

    def civil_rosters(self, households: list[Household]) -> None:
        def dibao_extra(hh: Household, covered: int) -> dict:
            s = self.b.standard(hh)
            benefit = round(max(s - hh.income_per_person_monthly(), 50) * covered, 2)  # at most S x covered
            if "dibao_benefit_factor" in hh.overrides:  # S10: paid more than the guarantee allows
                benefit = round(hh.overrides["dibao_benefit_factor"] * s * covered, 2)
            return dict(
                area_type="城市" if hh.urban else "农村",
                covered_members=covered,
                household_monthly_benefit=self.amount("civil_dibao", benefit),
                income_per_person_monthly=self.amount("civil_dibao", round(hh.income_per_person_monthly(), 2)),
                health_status=self.rng.choice(["健康", "慢性病"]),
                work_ability="弱劳动能力",
                is_individual_dibao="是" if hh.overrides.get("individual_dibao") else "否",
                enrolment_date=self.date("civil_dibao", hh.enrolment_date),
            )

        def marginal_extra(hh: Household, covered: int) -> dict:
            return dict(
                recognition_type="低保边缘家庭" if hh.programme == "marginal" else "支出型困难家庭",
                recognition_date=self.date("civil_marginal", hh.enrolment_date),
                income_per_person_monthly=self.amount("civil_marginal", round(hh.income_per_person_monthly(), 2)),
            )

        for hh in households:
            if hh.programme == "dibao":
                self.roster_members("civil_dibao", hh, dibao_extra, "在保", "停保")
                for m in hh.members:
                    other = m.overrides.get("second_dibao_household")
                    if other:
                        self.roster_members(
                            "civil_dibao", other, dibao_extra, "在保", "停保", members=[*other.members, m]
                        )
                    if m.overrides.get("also_tekun"):
                        self.tekun_row(hh, m)
            elif hh.programme in ("marginal", "expenditure_hardship"):
                self.roster_members("civil_marginal", hh, marginal_extra, "有效", "失效")
            elif hh.programme == "tekun":
                self.tekun_row(hh, hh.head)
            for m in hh.members:
                if m.pid in hh.individual_dibao:
                    self.roster_members("civil_dibao", individual_unit(hh, m), dibao_extra, "在保", "停保")
                if m.pid in hh.individual_tekun:
                    self.tekun_row(hh, m)

    def tekun_row(self, hh: Household, p: Person) -> None:
        name, id_value, noise = self.person_values("civil_tekun", p)
        s = self.b.standard(hh)
        stopped = p.death_date and not p.overrides.get("still_on_roster")
        row = dict(
            self.place(hh),
            person_name=name,
            id_number=id_value,
            sex=p.sex,
            area_type="城市" if hh.urban else "农村",
            support_mode=hh.tekun_mode or "分散供养",
            self_care_ability=self.rng.choice(["具备", "部分丧失"]),
            monthly_basic_living=self.amount(
                "civil_tekun", round(p.overrides.get("tekun_basic_living_factor", 1.3) * s, 2)
            ),
            monthly_care=self.amount("civil_tekun", 150.0),
            enrolment_date=self.date("civil_tekun", hh.enrolment_date),
            roster_status="停供" if stopped else "在供",
        )
        self.emit("civil_tekun", row, hh.county_code, ("person", p, noise))

    def civil_events(self, ev: Events, month: str) -> None:
        for g in ev.temp_grants:
            code = "civil_temp_assistance"
            name, id_value, noise = self.person_values(code, g["person"])
            self.emit(
                code,
                dict(
                    grant_number=ev.next_number("LS", month),
                    county=self.county(g["household"].county_code),
                    person_name=name,
                    id_number=id_value,
                    assistance_type=g["type"],
                    reason=g["reason"],
                    amount=self.amount(code, g["amount"]),
                    approval_date=self.date(code, g["date"]),
                ),
                g["household"].county_code,
                ("person", g["person"], noise),
            )
        for v in ev.verifications:
            code, hh = "civil_verification", v["household"]
            s = self.b.standard(hh)
            income = hh.income_annual
            if "verification_income_factor" in hh.overrides:
                income = round(hh.overrides["verification_income_factor"] * s * 12 * len(hh.members), -1)
            name, id_value, noise = self.person_values(code, hh.head)
            self.emit(
                code,
                dict(
                    verification_number=ev.next_number("HD", month),
                    county=self.county(hh.county_code),
                    head_name=name,
                    head_id_number=id_value,
                    household_size=len(hh.members),
                    household_income_annual=self.amount(code, income),
                    financial_assets=self.amount(code, hh.financial_assets),
                    property_count=sum(p.properties for p in hh.members),
                    vehicle_count=hh.overrides.get("verification_vehicles", hh.vehicles),
                    business_count=hh.businesses,
                    completed_date=self.date(code, v["date"]),
                ),
                hh.county_code,
                ("head", hh.head, noise),
            )
        for x in ev.exits:
            code = "civil_exits"
            name, id_value, noise = self.person_values(code, x["person"])
            self.emit(
                code,
                dict(
                    county=self.county(x["household"].county_code),
                    person_name=name,
                    id_number=id_value,
                    former_programme="低保" if x["programme"] == "dibao" else "特困",
                    exit_date=self.date(code, x["date"]),
                    exit_reason=x["reason"],
                    income_per_person_at_exit=self.amount(code, round(x["income"], 2)),
                ),
                x["household"].county_code,
                ("person", x["person"], noise),
            )
        for v in ev.visits:
            code, hh, p = "civil_visits", v["household"], v["person"]
            place = v.get("place_of", hh)  # a visit made where the person used to live
            # a follow-up visit knows whom it visits; a first visit often has no ID
            name, id_value, noise = self.person_values(
                code, p, blank_rate=0.05 if v.get("follow_up") else 0.6, may_be_unregistered=not v.get("follow_up")
            )
            self.emit(
                code,
                dict(
                    visit_number=ev.next_number("ZF", month),
                    visit_date=self.date(code, v["date"]),
                    **self.place(place),
                    person_name=name,
                    id_number=id_value,
                    phone=p.phone,
                    household_size=len(hh.members),
                    hardship_types="、".join(v["types"]),
                    description="家中" + "、".join(v["types"]) + "，生活困难",
                    assisted_application=v["assisted"],
                    visitor=self.b.name("女"),
                ),
                place.county_code,
                ("person", p, noise),
            )
        for a in ev.applications:
            code, hh, p = "civil_applications", a["household"], a["person"]
            name, id_value, noise = self.person_values(code, p)
            self.emit(
                code,
                dict(
                    application_number=a.setdefault("number", ev.next_number("SB", month)),
                    application_date=self.date(code, a["date"]),
                    channel=self.rng.choice(["乡镇社会救助窗口", "政务服务一门受理窗口", "村（社区）代为申报"]),
                    person_name=name,
                    id_number=id_value,
                    phone=p.phone,
                    **self.place(hh),
                    requested_programme=a["programme"],
                    household_size=len(hh.members),
                    self_reported_income_monthly=self.amount(code, round(hh.income_annual / 12, 2)),
                    hardship_description="收入低，生活困难",
                    processing_status=a["status"],
                    decision_date=self.date(code, a["decision"]),
                ),
                hh.county_code,
                ("person", p, noise),
            )
        for r in ev.reports:
            code, hh, p = "civil_reports", r["household"], r["person"]
            name, id_value, noise = self.person_values(code, p, blank_rate=0.5, may_be_unregistered=True)
            self.emit(
                code,
                dict(
                    report_number=ev.next_number("SH", month),
                    report_date=self.date(code, r["date"]),
                    **self.place(hh),
                    reporter=self.b.name("男"),
                    person_name=name,
                    id_number=id_value,
                    phone=p.phone,
                    address=f"{hh.township}{hh.village}",
                    hardship_description="家庭困难",
                ),
                hh.county_code,
                ("person", p, noise),
            )
        for c in ev.cadres:
            code, hh = "civil_cadre_relatives", c["household"]
            cadre_name, cadre_id, cadre_noise = self.person_values(code, c["cadre"])
            rel_name, rel_id, rel_noise = self.person_values(code, c["relative"])
            self.emit(
                code,
                dict(
                    **self.place(hh),
                    cadre_name=cadre_name,
                    cadre_id_number=cadre_id,
                    cadre_position=c["position"],
                    relative_name=rel_name,
                    relative_id_number=rel_id,
                    relationship=c["relationship"],
                ),
                hh.county_code,
                ("cadre", c["cadre"], cadre_noise),
                ("relative", c["relative"], rel_noise),
            )

    # -- other departments --------------------------------------------------------------
    def departments(self, households: list[Household], ev: Events) -> None:
        d = self.d
        # the 教育局 list of a new school year arrives a month into it: September still brings
        # last year's list
        listed = d.replace(day=1) - timedelta(days=1)
        school_year = f"{listed.year}-{listed.year + 1}" if listed.month >= 9 else f"{listed.year - 1}-{listed.year}"
        for hh in households:
            for p in hh.members:
                self.education(hh, p, school_year)
                self.hrss(p)
                self.medins(hh, p)
                self.disability(hh, p)
                if p.properties:
                    code = "housing_property"
                    name, id_value, noise = self.person_values(code, p)
                    self.emit(
                        code,
                        dict(
                            person_name=name,
                            id_number=id_value,
                            property_count=p.properties,
                            commercial_property_count=p.commercial_properties,
                            last_transaction_date=self.date(code, d - timedelta(days=self.rng.randint(200, 5000))),
                        ),
                        hh.county_code,
                        ("person", p, noise),
                    )
            self.housing_safety(hh)
            self.rural(hh)
        for s in ev.settlements:
            code, p = "medins_settlements", s["person"]
            name, id_value, noise = self.person_values(code, p)
            self.emit(
                code,
                dict(
                    settlement_number=ev.next_number("JS", self.b.month),
                    person_name=name,
                    id_number=id_value,
                    visit_type=s["kind"],
                    institution="临汾市人民医院",
                    admission_date=self.date(code, s["admission"]),
                    settlement_date=self.date(code, s["date"]),
                    total_cost=self.amount(code, s["total"]),
                    basic_insurance_paid=self.amount(code, s["basic"]),
                    critical_illness_insurance_paid=self.amount(code, s["critical"]),
                    medical_assistance_paid=self.amount(code, s["assistance"]),
                    out_of_pocket=self.amount(code, s["oop"]),
                    main_diagnosis=s["diagnosis"],
                    is_major_disease=s["major"],
                ),
                "",
                ("person", p, noise),
            )
        for x in ev.disasters:
            code, hh, p = "emergency_disaster", x["household"], x["person"]
            name, id_value, noise = self.person_values(code, p)
            self.emit(
                code,
                dict(
                    disaster_number=x["number"],
                    **self.place(hh),
                    person_name=name,
                    id_number=id_value,
                    disaster_type=x["kind"],
                    disaster_date=self.date(code, x["date"]),
                    damage=x["damage"],
                    relief_paid=self.amount(code, x["relief"]),
                ),
                hh.county_code,
                ("person", p, noise),
            )

    def education(self, hh: Household, p: Person, school_year: str) -> None:
        age = p.age(self.d)
        if p.death_date or not 3 <= age <= 22 or (age >= 18 and self.rng.random() > 0.4):
            return
        stage = (
            "学前"
            if age < 6
            else "小学"
            if age < 12
            else "初中"
            if age < 15
            else ("中职" if self.rng.random() < 0.2 else "高中")
            if age < 18
            else "高校"
        )
        recognition = {
            "tekun": "特别困难",
            "dibao": "特别困难",
            "marginal": "比较困难",
            "expenditure_hardship": "一般困难",
        }.get(assisted_programme(hh) or "", None)
        if recognition is None and low_income(hh):
            recognition = "比较困难"  # a 防返贫 monitoring household at risk
        aid = AID_BY_STAGE[stage] if recognition else None
        if p.overrides.get("edu_students") == "未认定":
            recognition, aid = "未认定", None
        if p.overrides.get("edu_students") == "特别困难":  # N09: helped as poor, in no category
            recognition, aid = "特别困难", AID_BY_STAGE[stage]
        recognition = recognition or self.rng.choice(["不困难", "未认定"])
        code = "edu_students"
        name, id_value, noise = self.person_values(code, p)
        self.emit(
            code,
            dict(
                person_name=name,
                id_number=id_value,
                sex=p.sex,
                school_name=f"{hh.township}{'中心校' if stage != '高校' else '学院'}",
                school_stage=stage,
                grade=f"{max(1, age - 5)}年级" if stage in ("小学", "初中") else None,
                county=self.county(hh.county_code),
                hardship_recognition=recognition,
                aid_programme=aid,
                aid_amount=self.amount(code, 1000.0 if aid else None),
                school_year=school_year,
            ),
            hh.county_code,
            ("person", p, noise),
        )

    def hrss(self, p: Person) -> None:
        if not p.job and p.employment_status not in ("登记失业", "就业困难人员"):
            return
        code = "hrss_insurance"
        scheme = {
            "enterprise": ("企业职工基本养老保险", "企业"),
            "government": ("机关事业单位基本养老保险", "机关"),
            "public_institution": ("机关事业单位基本养老保险", "事业单位"),
            "retired": ("企业职工基本养老保险", None),
        }.get(p.job or "", ("城乡居民基本养老保险", None))
        status = "参保缴费" if p.contribution_base or (p.job == "resident" and not p.monthly_pension) else "暂停缴费"
        if p.death_date:
            status = "终止参保"
        name, id_value, noise = self.person_values(code, p)
        self.emit(
            code,
            dict(
                person_name=name,
                id_number=id_value,
                insurance_type=scheme[0],
                insurance_status=status,
                employer_name=f"临汾{scheme[1]}单位" if scheme[1] else None,
                employer_type=scheme[1],
                monthly_contribution_base=self.amount(code, p.contribution_base),
                monthly_pension=self.amount(code, p.monthly_pension),
                termination_reason="死亡" if p.death_date else None,
                termination_date=self.date(code, p.death_date),
                employment_status=p.employment_status,
            ),
            p.id_number[:6],
            ("person", p, noise),
        )

    def medins(self, hh: Household, p: Person) -> None:
        override = p.overrides.get("medins_enrollment")
        if override == "missing" or (not low_income(hh) and not p.clean and self.rng.random() < 0.03):
            return
        code = "medins_enrollment"
        programme = "dibao" if p.pid in hh.individual_dibao else hh.programme
        programme = "tekun" if p.pid in hh.individual_tekun else programme
        subsidy = SUBSIDY_CATEGORY.get(programme or "") or ("返贫致贫人口" if hh.rural_category == "监测户" else "无")
        if p.overrides.get("also_tekun"):
            subsidy = "特困人员"
        status = "终止参保" if p.death_date else "正常参保"
        if override == "暂停参保":
            status = "暂停参保"
        if override == "无":
            subsidy = "无"
        if "medins_subsidy" in p.overrides:  # S09: subsidised without the category
            subsidy = p.overrides["medins_subsidy"]
        name, id_value, noise = self.person_values(code, p)
        self.emit(
            code,
            dict(
                person_name=name,
                id_number=id_value,
                insurance_scheme="职工基本医疗保险" if p.contribution_base else "城乡居民基本医疗保险",
                enrolment_status=status,
                subsidy_category=subsidy,
                person_status="死亡" if p.death_date else "正常",
                death_date=self.date(code, p.death_date),
            ),
            hh.county_code,
            ("person", p, noise),
        )

    def disability(self, hh: Household, p: Person) -> None:
        if not p.disability:
            return
        code = "disability_cards"
        category, level = p.disability
        name, id_value, noise = self.person_values(code, p)
        if id_value is None or noise["id_noise"] in ("fifteen", "blank"):  # cards carry all 18 digits
            id_value, noise["id_noise"] = p.id_number, "clean"
        card = id_value.replace(" ", "") + DISABILITY_CATEGORY_DIGIT[category] + str(DISABILITY_LEVELS.index(level) + 1)
        individually = p.pid in hh.individual_dibao or p.pid in hh.individual_tekun
        living = "是" if individually or assisted_programme(hh) in ("dibao", "tekun") else "否"
        care = "是" if level in ("一级", "二级") else "否"
        override = p.overrides.get("disability_cards")
        if override in ("no_living_subsidy", "care_subsidy_only"):
            living = "否"
        if override == "living_subsidy":  # N09: helped as poor, in no category
            living = "是"
        self.emit(
            code,
            dict(
                person_name=name,
                disability_card_number=card,
                sex=p.sex,
                county=self.county(hh.county_code),
                disability_category=category,
                disability_level=level,
                living_subsidy=living,
                care_subsidy=care,
                issue_date=self.date(code, date(2015, 3, 1) + timedelta(days=self.rng.randrange(2500))),
                card_status="注销" if p.death_date else "有效",
            ),
            hh.county_code,
            ("person", p, noise),
        )

    def housing_safety(self, hh: Household) -> None:
        programme = assisted_programme(hh)
        eligible = programme in ("dibao", "marginal") or (programme == "tekun" and hh.tekun_mode == "分散供养")
        renovated = hh.overrides.get("housing_renovation")  # N09: a C级/D级 house in renovation
        if hh.urban or not (eligible or renovated):
            return
        code = "housing_safety"
        grade = (
            renovated
            or hh.overrides.get("housing_safety")
            or self.rng.choices(["A级", "B级", "C级", "D级"], [40, 40, 15, 5])[0]
        )
        planted = "housing_safety" in hh.overrides
        included = "否" if planted or grade in ("A级", "B级") else "是"
        status = "未改造" if included == "否" else self.rng.choice(["改造中", "已竣工"])
        name, id_value, noise = self.person_values(code, hh.head)
        self.emit(
            code,
            dict(
                **self.place(hh),
                head_name=name,
                head_id_number=id_value,
                safety_grade=grade,
                assessment_date=self.date(code, self.d - timedelta(days=self.rng.randint(30, 700))),
                included_in_renovation=included,
                renovation_status=status,
            ),
            hh.county_code,
            ("head", hh.head, noise),
        )

    def rural(self, hh: Household) -> None:
        if not hh.rural_category:
            return
        code = "rural_monitoring"
        head_name, _, _ = self.person_values(code, hh.head)
        net = round(hh.income_annual / len(hh.members), 2)
        for m in hh.members:
            name, id_value, noise = self.person_values(code, m)
            self.emit(
                code,
                dict(
                    household_code=hh.rural_code,
                    **self.place(hh),
                    head_name=head_name,
                    member_name=name,
                    member_id_number=id_value,
                    relation_to_head=m.relation,
                    household_category=hh.rural_category,
                    monitoring_category=hh.monitoring_category,
                    main_risk=self.rng.choice(["因病", "因残", "缺劳动力", "务工就业不稳"])
                    if hh.monitoring_category
                    else None,
                    risk_eliminated=hh.risk_eliminated,
                    net_income_per_person_annual=self.amount(code, net),
                    identified_date=self.date(code, date(2021, 5, 1) + timedelta(days=self.rng.randrange(700))),
                ),
                hh.county_code,
                ("member", m, noise),
            )
