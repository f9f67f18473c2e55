"""Command line: `python -m synthetic --people 20000 --month 2023-06 --seed 7 --out data/demo`."""

from __future__ import annotations

import argparse
import time

from synthetic.generate import generate_month


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m synthetic", description=__doc__)
    parser.add_argument("--people", type=int, default=20_000, help="size of the city (1k to 4M)")
    parser.add_argument("--month", default="2023-06", help="YYYY-MM")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--noise", type=float, default=1.0, help="scale of the feed damage (1.0 = default)")
    parser.add_argument("--planted-per-rule", type=int, default=2)
    parser.add_argument("--out", default="data/demo", help="writes <out>/landing and <out>/truth")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    result = generate_month(
        args.out,
        people=args.people,
        month=args.month,
        seed=args.seed,
        noise=args.noise,
        planted_per_rule=args.planted_per_rule,
    )
    print(
        f"generated {result.people} people in {result.households} households, "
        f"{result.records} records, {result.planted_cases} planted cases "
        f"in {time.perf_counter() - started:.1f}s"
    )
    print(f"landing: {result.landing_dir}/{result.month}")
    print(f"truth:   {result.truth_dir}")


if __name__ == "__main__":
    main()
