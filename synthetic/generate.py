"""Generate one synthetic month: department feeds in `<out>/landing/<month>/` and the truth in
`<out>/truth/<month>/` (who every record really is, and the planted alerts)."""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from pathlib import Path

from reference import counties, next_month
from synthetic.events import Events, assign_programme, month_events, roll_over
from synthetic.feeds import Renderer
from synthetic.noise import Noise
from synthetic.ordinary import PlantedAbsence, plant_ordinary_cases
from synthetic.planted import PlantedCase, plant_cases
from synthetic.population import CityBuilder, Household
from synthetic.writer import write_feed


@dataclass
class GeneratedMonth:
    landing_dir: Path
    truth_dir: Path
    month: str
    people: int
    households: int
    records: int
    planted_cases: int


def next_months(first: str, count: int) -> list[str]:
    out = [first]
    while len(out) < count:
        out.append(next_month(out[-1]))
    return out


def generate_month(
    out_dir: Path,
    *,
    people: int = 20_000,
    month: str = "2023-06",
    seed: int = 7,
    noise: float = 1.0,
    planted_per_rule: int = 2,
    profile: str = "default",
) -> GeneratedMonth:
    """Build a city of about `people` people, render the month's 19 feeds and its truth."""
    return generate_months(
        out_dir,
        people=people,
        months=[month],
        seed=seed,
        noise=noise,
        planted_per_rule=planted_per_rule,
        profile=profile,
    )[0]


def generate_months(
    out_dir: Path,
    *,
    people: int = 20_000,
    months: list[str],
    seed: int = 7,
    noise: float = 1.0,
    planted_per_rule: int = 2,
    profile: str = "default",
) -> list[GeneratedMonth]:
    """A sequence of months of one city with realistic change: deaths, exits, decided
    applications, new disasters and settlements, fresh planted cases each month; planted cases
    of earlier months go on holding (持续), expire with their look-back window, or are fixed."""
    out_dir = Path(out_dir)
    builder = CityBuilder(people, months[0], seed)
    background: list[Household] = []
    while builder.n_people < people:
        hh = builder.household()
        assign_programme(builder, hh)
        background.append(hh)
    households = list(background)
    seen = {id(h) for h in households}
    planted: list[PlantedCase] = []
    standing_cadres: list[dict] = []
    noise_rng, write_rng = random.Random(seed + 1), random.Random(seed + 2)
    previous: Events | None = None
    results = []
    for index, month in enumerate(months):
        builder.set_month(month)
        events = Events()
        if previous is not None:
            roll_over(builder, background, previous, events)
            for case in planted[::2]:
                if "P01" in case.rule_ids and case.resolved_in is None:
                    case.person.overrides.pop("medins_enrollment", None)  # the insurance was put in place
                    case.resolved_in = month
        month_events(builder, background, events, with_cadres=index == 0)
        events.cadres = standing_cadres + events.cadres
        new_cases = plant_cases(builder, events, per_rule=planted_per_rule)
        absences: list[PlantedAbsence] = []
        if planted_per_rule:
            ordinary, absences = plant_ordinary_cases(builder, events)
            new_cases += ordinary
        standing_cadres = list(events.cadres)
        planted += new_cases
        for case in [*new_cases, *absences]:
            for hh in (case.household, case.person.overrides.get("second_dibao_household")):
                if hh is not None and id(hh) not in seen:
                    seen.add(id(hh))
                    households.append(hh)
        for c in events.cadres:
            if id(c["household"]) not in seen:
                seen.add(id(c["household"]))
                households.append(c["household"])
        holding = [c for c in planted if c.holds_at(month, builder.d, months[0])]
        results.append(
            _write_month(out_dir, builder, households, events, holding, absences, noise_rng, write_rng, noise, profile)
        )
        previous = events
    return results


def _write_month(
    out_dir: Path,
    builder: CityBuilder,
    households: list[Household],
    events: Events,
    planted: list[PlantedCase],
    absences: list[PlantedAbsence],
    noise_rng: random.Random,
    write_rng: random.Random,
    noise: float,
    profile: str = "default",
) -> GeneratedMonth:
    month = builder.month
    noise_model = Noise(noise_rng, noise, seed=builder.seed, profile=profile)
    renderer = Renderer(builder, noise_model, {c: n for c, n, _ in counties()}, households)
    renderer.civil_rosters(households)
    renderer.civil_events(events, month)
    renderer.departments(households, events)

    landing = out_dir / "landing" / month
    truth_dir = out_dir / "truth" / month
    landing.mkdir(parents=True, exist_ok=True)
    truth_dir.mkdir(parents=True, exist_ok=True)
    for old in landing.iterdir():
        old.unlink()
    truth_rows: list[dict] = []
    for feed in renderer.feeds.values():
        truth_rows += write_feed(feed, landing, month, write_rng, renderer.noise.rates.duplicate_row)

    _write_csv(truth_dir / "records.csv", truth_rows)
    _write_csv(
        truth_dir / "people.csv",
        [
            dict(
                truth_person_id=p.pid,
                truth_household_id=h.hid,
                name=p.name,
                id_number=p.id_number,
                sex=p.sex,
                birth_date=p.birth.isoformat(),
                county_code=h.county_code,
                death_date=p.death_date.isoformat() if p.death_date else "",
            )
            for h in households
            for p in h.members
        ],
    )
    _write_csv(
        truth_dir / "planted_alerts.csv",
        [
            dict(
                rule_id=rule,
                truth_person_id=c.person.pid,
                truth_household_id=c.household.hid,
                id_number=c.person.id_number,
                county_code=c.household.county_code,
                note=c.note,
            )
            for c in planted
            for rule in c.rule_ids
        ],
    )
    _write_csv(
        truth_dir / "planted_absent.csv",
        [
            dict(rule_id=rule, truth_person_id=a.person.pid, truth_household_id=a.household.hid, note=a.note)
            for a in absences
            for rule in a.rule_ids
        ],
    )
    return GeneratedMonth(
        out_dir / "landing",
        truth_dir,
        month,
        sum(len(h.members) for h in households),
        len(households),
        len(truth_rows),
        len(planted),
    )


def _write_csv(path: Path, rows: list[dict]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        if not rows:
            return
        writer = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        writer.writeheader()
        writer.writerows(rows)
