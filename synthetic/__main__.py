"""Command line: `python -m synthetic --people 20000 --month 2023-06 --months 1 --seed 7 --out data/demo`."""

from __future__ import annotations

import argparse
import time

from synthetic.generate import generate_months, next_months
from synthetic.noise import NOISE_PROFILES


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m synthetic", description=__doc__)
    parser.add_argument("--people", type=int, default=20_000, help="size of the city (1k to 4M)")
    parser.add_argument("--month", default="2023-06", help="YYYY-MM, the first month")
    parser.add_argument("--months", type=int, default=1, help="how many consecutive months")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--noise", type=float, default=1.0, help="scale of the feed damage (1.0 = default)")
    parser.add_argument(
        "--profile", default="default", choices=sorted(NOISE_PROFILES), help="the mix of damage (synthetic/noise.py)"
    )
    parser.add_argument("--planted-per-rule", type=int, default=2)
    parser.add_argument("--out", default="data/demo", help="writes <out>/landing and <out>/truth")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    results = generate_months(
        args.out,
        people=args.people,
        months=next_months(args.month, args.months),
        seed=args.seed,
        noise=args.noise,
        profile=args.profile,
        planted_per_rule=args.planted_per_rule,
    )
    last = results[-1]
    print(
        f"generated {last.people} people in {last.households} households over {len(results)} month(s), "
        f"{sum(r.records for r in results)} records in {time.perf_counter() - started:.1f}s"
    )
    for r in results:
        print(
            f"{r.month}: landing {r.landing_dir / r.month}, truth {r.truth_dir} "
            f"({r.records} records, {r.planted_cases} planted cases)"
        )


if __name__ == "__main__":
    main()
