"""Ordinary cases: what an ordinary month holds and a rule must get right, beside the planted
cases that make each rule fire (issue 11). Some must raise an alert (a head of household who
died, an event on the month's first day or delivered late, a person who moved county); others
must raise none (a 单人保 member's relatives, a 特困 person's family, the dead, a household whose
grant went to one member)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from synthetic.events import Events, put_on_individual_dibao
from synthetic.planted import PlantedCase, _household, _settlement
from synthetic.population import CityBuilder, Household, Person


@dataclass
class PlantedAbsence:
    """An alert the rules must not raise: the near miss an ordinary month holds."""

    rule_ids: tuple[str, ...]
    person: Person
    household: Household
    note: str


def plant_ordinary_cases(b: CityBuilder, ev: Events) -> tuple[list[PlantedCase], list[PlantedAbsence]]:
    """One of each ordinary case; returns the alerts that must be raised and those that must not."""
    cases: list[PlantedCase] = []
    absences: list[PlantedAbsence] = []
    d, month = b.d, b.month

    def case(rules, person, hh, note, days_ago=None, window=None) -> None:
        event = d - timedelta(days=days_ago) if days_ago is not None else None
        cases.append(PlantedCase(rules, person, hh, note, event, window, delivered_in=month))

    # the head of a 低保 household dies: U03 goes to the living member who now heads it
    hh = _household(b, "dibao", size=3, head_age=45)
    head = hh.head
    head.death_date = d - timedelta(days=20)
    ev.exits.append(dict(person=head, household=hh, programme="dibao", date=head.death_date, reason="死亡", income=0.0))
    survivor = min((p for p in hh.members if not p.death_date), key=lambda p: p.birth)
    case(("U03",), survivor, hh, "the head of a dibao household died at 45", 20, 90)

    # a 单人保 member: the family is 低保边缘, the father's pension, his second flat and the
    # family car are not the 低保 unit's
    hh = _household(b, "marginal", size=3, head_age=56)
    member = hh.members[1]
    member.disability = ("智力", "三级")
    put_on_individual_dibao(b, hh, [member])
    hh.head.monthly_pension = round(3 * b.standard(hh), -1)
    hh.head.properties = 2
    hh.overrides["verification_vehicles"] = 1
    ev.verifications.append(dict(household=hh, date=d - timedelta(days=12)))
    absences.append(PlantedAbsence(("S03", "S04", "S07"), hh.head, hh, "the father of a 单人保 member"))
    absences.append(PlantedAbsence(("S03", "S07", "N02", "P04"), member, hh, "a 单人保 member with his needs met"))

    # a 特困 person in a 脱贫户: the son's two flats are not the 特困 person's
    hh = _household(b, None, size=2, head_age=50, urban=False)
    father = b.person(hh, "父亲", "男", 81, hh.head.name[0])
    father.clean = True
    hh.individual_tekun.append(father.pid)
    hh.tekun_mode, hh.enrolment_date = "分散供养", d - timedelta(days=700)
    hh.rural_category, hh.risk_eliminated = "脱贫户", "是"
    hh.rural_code = f"{hh.county_code}{b.n_households:09d}"
    hh.head.properties = 2
    absences.append(PlantedAbsence(("S04",), hh.head, hh, "the son of a 特困 person, in a 脱贫户"))

    # a disaster on the first day of the month, with no grant since: U01
    hh = _household(b, None)
    ev.disasters.append(
        dict(
            number=ev.next_number("ZQ", month),
            person=hh.head,
            household=hh,
            kind="风雹",
            date=d.replace(day=1),
            damage="房屋严重损坏",
            relief=None,
        )
    )
    case(("U01",), hh.head, hh, "house badly damaged on the first day of the month", d.day - 1, 30)

    # a visit of 40 days ago that found an emergency, delivered a month late: U04
    hh = _household(b, None)
    ev.visits.append(
        dict(
            person=hh.head, household=hh, date=d - timedelta(days=40), types=["意外事故"], assisted="否", follow_up=True
        )
    )
    case(("U04",), hh.head, hh, "a visit of 40 days ago delivered this month", 40, 30)

    # a person who moved: old visits name the county she left, the roster the one she lives in
    hh = _household(b, "dibao")
    hh.head.overrides["medins_enrollment"] = "missing"
    old_home = _household(b, None)
    while old_home.county_code == hh.county_code:
        old_home = _household(b, None)
    for days_ago in (300, 200):
        ev.visits.append(
            dict(
                person=hh.head,
                household=hh,
                place_of=old_home,
                date=d - timedelta(days=days_ago),
                types=["慢性病"],
                assisted="否",
                follow_up=True,
            )
        )
    case(("P01",), hh.head, hh, "moved county: the alert goes to where she lives now")

    # a man who died five days before the month end after a costly stay: no U02, no N05
    hh = _household(b, None, urban=True)
    hh.head.death_date = d - timedelta(days=5)
    _settlement(b, ev, hh.head, 9, oop=31000.0, assistance=0.0, major="是")
    absences.append(PlantedAbsence(("U02", "N05"), hh.head, hh, "died after a costly stay"))

    # a house collapsed on a 低保边缘 couple (a household the rosters know); the grant went to
    # the husband: neither is raised
    hh = _household(b, "marginal", size=2)
    number = ev.next_number("ZQ", month)
    for p in hh.members:
        ev.disasters.append(
            dict(
                number=number,
                person=p,
                household=hh,
                kind="洪涝",
                date=d - timedelta(days=14),
                damage="房屋倒塌",
                relief=None,
            )
        )
    ev.temp_grants.append(
        dict(person=hh.head, household=hh, date=d - timedelta(days=6), type="急难型", reason="房屋倒塌", amount=3000.0)
    )
    for p in hh.members:
        absences.append(PlantedAbsence(("U01",), p, hh, "the household's grant went to the husband"))
    return cases, absences
