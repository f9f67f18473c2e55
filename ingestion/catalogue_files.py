"""The dbt project's files that describe the feeds, generated from the one feed catalogue
(`ingestion/catalogue.py`): the raw sources, the `feeds` seed and the linkage roles. Adding a
feed is one catalogue entry and one staging model, then:

    .venv/bin/python -m ingestion.catalogue_files

A test fails while a generated file differs from what the catalogue says.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

from ingestion.catalogue import FEEDS, Feed, PersonRole

DBT = Path(__file__).resolve().parent.parent / "dbt_project"
GENERATED_BY = "generated from ingestion/catalogue.py by `python -m ingestion.catalogue_files`: do not edit"

_OTHER_SOURCES = """
      - name: load_log
        description: >
          One row per feed and month: files, rows read/loaded/quarantined, status (loaded,
          no_events, rejected, missing) and the reason a delivery was turned away.

  - name: linkage
    description: Person keys written by the linkage asset (Splink).
    schema: linkage
    tables:
      - name: record_person
        description: One row per person-bearing record role, with its person key and match probability.
        meta:
          dagster:
            asset_key: ["linkage", "record_person"]
      - name: person_key_origins
        description: >
          One row per person key that took over from a key the person was known by before
          (first seen without a valid ID, then linked to their ID) and month: the key their
          alerts stay identified by.
        meta:
          dagster:
            asset_key: ["linkage", "person_key_origins"]

  - name: reference
    description: Reference tables written by Python assets.
    schema: reference
    tables:
      - name: working_days
        description: >
          One row per calendar day: is it a working day in China's official calendar
          (chinese-calendar, with 调休).
        meta:
          dagster:
            asset_key: ["reference", "working_days"]
"""


def sources_yml(feeds: tuple[Feed, ...] = FEEDS) -> str:
    lines = [
        f"# {GENERATED_BY}",
        "version: 2",
        "",
        "sources:",
        "  - name: raw",
        "    description: Department feeds as loaded by the ingestion assets (all text, normalised).",
        "    schema: raw",
        "    tables:",
    ]
    for feed in feeds:
        lines += [
            f"      - name: {feed.code}",
            f'        description: "{feed.title} ({feed.department}), {feed.kind} feed"',
            "        meta:",
            "          dagster:",
            f'            asset_key: ["raw", "{feed.code}"]',
        ]
    return "\n".join(lines) + "\n" + _OTHER_SOURCES


def feeds_seed(feeds: tuple[Feed, ...] = FEEDS) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["feed_code", "title", "department", "kind", "max_age_months", "source"])
    for feed in feeds:
        source = "issue 5: a feed older than this many months holds back the rules that rely on it (configurable)"
        writer.writerow([feed.code, feed.title, feed.department, feed.kind, feed.max_age_months, source])
    return buffer.getvalue()


def _role(feed: Feed, role: PersonRole) -> dict:
    entry = {"feed": feed.code, "role": role.role, "name": role.name, "id": role.id_number}
    optional = {
        "sex": role.sex,
        "phone": role.phone,
        "birth_date": role.birth_date,
        "place": role.place and str(role.place),
        "household": role.household,
        "age_hint": role.age_hint and str(role.age_hint),
        "register_part": role.register_part,
    }
    return entry | {k: v for k, v in optional.items() if v}


def person_roles_macro(feeds: tuple[Feed, ...] = FEEDS) -> str:
    roles = [_role(feed, role) for feed in feeds for role in feed.roles]
    body = ",\n".join(f"        {json.dumps(r, ensure_ascii=False)}" for r in roles)
    return (
        f"{{#- {GENERATED_BY} -#}}\n"
        "{#- Where each feed's rows name a person, and what of that person the linkage compares. -#}\n"
        "{% macro person_roles() %}\n"
        f"    {{{{ return([\n{body}\n    ]) }}}}\n"
        "{% endmacro %}\n"
    )


GENERATED = {
    DBT / "models" / "staging" / "_sources.yml": sources_yml,
    DBT / "seeds" / "feeds.csv": feeds_seed,
    DBT / "macros" / "generated" / "person_roles.sql": person_roles_macro,
}


def stale_files() -> list[Path]:
    """Generated files whose content differs from what the catalogue gives."""
    return [p for p, render in GENERATED.items() if not p.exists() or p.read_text(encoding="utf-8") != render()]


def main() -> int:
    for path, render in GENERATED.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(), encoding="utf-8")
        print(f"wrote {path.relative_to(DBT.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
