"""Errors that carry their context: which file, which row, which rule."""

from __future__ import annotations

from pathlib import Path


class FeedFileError(Exception):
    """A delivered file that cannot be loaded at all. Nothing of it is written, and nothing
    loaded before is touched."""

    def __init__(self, path: Path | str, row: int | None, rule: str, detail: str):
        self.path = Path(path)
        self.row = row
        self.rule = rule
        self.detail = detail
        where = f"{self.path.name}" + (f", row {row}" if row is not None else "")
        super().__init__(f"{where}: {rule}: {detail}")
