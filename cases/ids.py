"""18-digit resident ID numbers (GB 11643) for the case library's invented people."""

from __future__ import annotations

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK = "10X98765432"


def check_digit(first17: str) -> str:
    return CHECK[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def id_number(county: str, birth: str, sequence: int, female: bool) -> str:
    """county code, birth date YYYYMMDD, a sequence 0-99; the sex digit odd for men."""
    order = f"{sequence:02d}{(2 if female else 1)}"
    first17 = f"{county}{birth}{order}"
    return first17 + check_digit(first17)
