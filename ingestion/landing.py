"""The landing root as the departments fill it: `<landing>/<YYYY-MM>/<feed files>`.

What a month folder holds, which feeds it still lacks, when a file last changed, and a digest
of the content, so a re-delivered file with new content is told apart from one merely touched.
Digests are recomputed only for files whose size or modification time changed."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from ingestion.catalogue import FEEDS, FEEDS_BY_CODE, Feed
from reference import county_codes

MONTH_FOLDER = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class FileState:
    size: int
    mtime_ns: int
    digest: str

    def to_json(self) -> list:
        return [self.size, self.mtime_ns, self.digest]

    @classmethod
    def from_json(cls, value: list) -> FileState:
        return cls(int(value[0]), int(value[1]), str(value[2]))


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# What reading a delivery depends on besides its bytes: the code that reads, checks and
# validates it, and the reference data it maps onto. A change to any of them reads every
# delivery again (delivery_digest).
_READING_SOURCES = [
    *sorted(Path(__file__).parent.glob("*.py")),
    *sorted((Path(__file__).parent.parent / "expectations").glob("*.py")),
    *sorted((Path(__file__).parent.parent / "reference").glob("*.py")),
    *sorted((Path(__file__).parent.parent / "dbt_project" / "seeds").glob("*.csv")),
]


def _reading_fingerprint() -> str:
    digest = hashlib.sha256()
    for path in _READING_SOURCES:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


READING_FINGERPRINT = _reading_fingerprint()


def delivery_digest(files: list[Path]) -> str:
    """One digest of a feed's delivered files (names and content) and of what reads them: the
    same digest means loading them again would give the same rows, quarantine and checks."""
    digest = hashlib.sha256(READING_FINGERPRINT.encode())
    for path in sorted(files, key=lambda p: p.name):
        digest.update(f"{path.name}\0{file_digest(path)}\0".encode())
    return digest.hexdigest()


def delivered_names(folder: Path) -> list[Path]:
    """The files of a month folder (lock files and hidden files are not deliveries)."""
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(("~$", ".")))


# The counties' returned workbooks come in this subfolder of the month (ingestion.feedback).
FEEDBACK_FOLDER = "county_feedback"


def watched_files(folder: Path) -> dict[str, Path]:
    """What a month's run reads, by name: the month folder's files, and the returned workbooks
    in its `county_feedback/` as `county_feedback/<name>` (a returned workbook starts a run too)."""
    files = {p.name: p for p in delivered_names(folder)}
    feedback = folder / FEEDBACK_FOLDER
    if feedback.is_dir() and not feedback.is_symlink():
        # regular files only, as ingestion.feedback reads them (a symlink is never opened)
        files |= {f"{FEEDBACK_FOLDER}/{p.name}": p for p in delivered_names(feedback) if not p.is_symlink()}
    return files


def scan_month(folder: Path, known: dict[str, FileState] | None = None) -> dict[str, FileState]:
    """Name -> state of every file in a month folder and its `county_feedback/`, reusing a
    known digest when neither the size nor the modification time changed."""
    known = known or {}
    states = {}
    for name, path in watched_files(folder).items():
        stat = path.stat()
        before = known.get(name)
        if before and before.size == stat.st_size and before.mtime_ns == stat.st_mtime_ns:
            states[name] = before
        else:
            states[name] = FileState(stat.st_size, stat.st_mtime_ns, file_digest(path))
    return states


def month_folders(landing_root: Path) -> list[Path]:
    if not landing_root.is_dir():
        return []
    return sorted(p for p in landing_root.iterdir() if p.is_dir() and MONTH_FOLDER.match(p.name))


def feed_of(name: str) -> tuple[Feed | None, str | None]:
    """The feed a file delivers, by its name (`<feed>.<ext>`, or `<feed>__<county>.<ext>` for
    one file per county), and that county. The reader decides whether the format is readable."""
    code, _, county = Path(name).stem.partition("__")
    feed = next((f for f in FEEDS if f.code == code), None)
    return feed, (county or None) if feed else None


def counties_without_file(feed: Feed, names: list[str] | set[str]) -> list[str]:
    """Counties with no `<feed>__<county>` file when the feed came one file per county; none
    when a file for the whole feed came, or no file at all (then the feed is missing)."""
    mine = [county for f, county in map(feed_of, names) if f is feed]
    if not mine or None in mine:
        return []
    return sorted(set(county_codes()) - set(mine))


def missing_feeds(names: list[str] | set[str], required: tuple[str, ...]) -> list[str]:
    """Required feeds the folder lacks. A feed delivered per county is complete only with all
    17 counties' files (a county missing its file would otherwise lose its whole roster)."""
    missing = []
    for code in required:
        feed = FEEDS_BY_CODE[code]
        if not any(feed_of(name)[0] is feed for name in names):
            missing.append(code)
        elif gap := counties_without_file(feed, names):
            missing.append(f"{code} ({len(gap)} counties)")
    return missing


def month_digest(states: dict[str, FileState]) -> str:
    """One digest of a month's delivered content (names and contents, not times)."""
    digest = hashlib.sha256()
    for name in sorted(states):
        digest.update(f"{name}\0{states[name].digest}\n".encode())
    return digest.hexdigest()


def missing_counties(feed: Feed, files: list[Path]) -> list[str]:
    """Counties without a file when a feed delivered per county (catalogue: Delivery.per_county)
    came as `<feed>__<county>` files; a file for the whole feed covers every county."""
    return counties_without_file(feed, [p.name for p in files]) if feed.delivery.per_county else []


def delivered_files(landing_dir: Path, month: str, feed: Feed) -> list[Path]:
    """`<landing>/<month>/<feed>.<csv|xlsx>` or one file per county `<feed>__<county>.<ext>`."""
    folder = Path(landing_dir) / month
    if not folder.is_dir():
        return []
    return [p for p in delivered_names(folder) if feed_of(p.name)[0] is feed]
