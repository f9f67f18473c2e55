"""Errors of the linkage stage, carrying the file, row and rule."""

from __future__ import annotations

from pathlib import Path


class ReviewedPairsError(Exception):
    """The reviewed-decisions file cannot be honoured; the run stops before writing anything."""

    def __init__(self, path: Path | str, row: int, rule: str, value: str):
        self.path, self.row, self.rule, self.value = Path(path), row, rule, value
        super().__init__(f"{self.path.name}, row {row}: {rule}: {value!r}")
