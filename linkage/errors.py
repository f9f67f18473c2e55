"""Errors of the linkage stage, carrying the file, row and rule."""

from __future__ import annotations

from pathlib import Path


class ReviewedPairsError(Exception):
    """The reviewed-decisions file cannot be honoured; the run stops before writing anything."""

    def __init__(self, path: Path | str, row: int, rule: str, value: str):
        self.path, self.row, self.rule, self.value = Path(path), row, rule, value
        super().__init__(f"{self.path.name}, row {row}: {rule}: {value!r}")


class ModelMissingError(FileNotFoundError):
    """No trained linkage model: training is a deliberate step, never a side effect of a run."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        super().__init__(f"no trained linkage model at {self.path}: train one with `make train` (linkage.train)")
