"""Errors that carry their context: which file, which row, which rule."""

from __future__ import annotations

from pathlib import Path

from reference import mask_id_shapes

# Errors of reading one file that make that file (and so its delivery) unreadable, as opposed to
# faults of the machine (memory, disk, interruption): a decode or cast failure of one file turns
# that delivery away, it never stops the city's month.
FILE_READING_ERRORS: tuple[type[BaseException], ...] = (UnicodeError, ValueError, ArithmeticError, LookupError)


class FeedFileError(Exception):
    """A delivered file that cannot be loaded at all. Nothing of it is written, and nothing
    loaded before is touched. An ID number in the detail is shown masked (first 6, last 4)."""

    def __init__(self, path: Path | str, row: int | None, rule: str, detail: str):
        self.path = Path(path)
        self.row = row
        self.rule = rule
        self.detail = mask_id_shapes(str(detail))
        where = f"{self.path.name}" + (f", row {row}" if row is not None else "")
        super().__init__(f"{where}: {rule}: {self.detail}")

    @classmethod
    def unreadable(cls, path: Path | str, exc: BaseException) -> FeedFileError:
        """A file whose reading failed on an error of its own content (FILE_READING_ERRORS): the
        file named, the error's kind and its first line, ID-shaped text masked."""
        first_line = (str(exc).strip().splitlines() or [""])[0][:200]
        return cls(path, None, "unreadable_file", f"{type(exc).__name__}: {first_line}")
