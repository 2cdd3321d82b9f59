#!/usr/bin/env python
"""Benchmark the pure engine: a 100-line cart against 1,000 active rules of mixed kinds.

    .venv/bin/python scripts/bench_engine.py [--runs 2000] [--rules 1000] [--lines 100] [--seed 0]

Rules are compiled once (``compile_rules``, as the coupons app caches them); each timed call is one
``evaluate`` with three entered codes. Most rules are restricted to other channels, products or
categories, as a real catalogue's would be, so the index decides how much work an evaluation does.
Prints median / p95 / p99 per evaluation and the machine it ran on. Target: median <= 2 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.engine import (  # noqa: E402
    BuyXGetYBenefit,
    Cart,
    CodeState,
    Conditions,
    Customer,
    FixedAmountBenefit,
    FixedPerUnitBenefit,
    GiftBenefit,
    Line,
    PercentageBenefit,
    Rule,
    ShippingBenefit,
    Tier,
    TieredBenefit,
    compile_rules,
    evaluate,
)

CHANNELS = [f"channel-{i}" for i in range(10)]
CART_CHANNEL = CHANNELS[0]
PRODUCTS = 5_000
CATEGORIES = 200
COLLECTIONS = 50
PRODUCT_TYPES = 20
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


def build_cart(rng: random.Random, lines: int) -> Cart:
    products = rng.sample(range(PRODUCTS), lines)
    return Cart(
        currency="EUR",
        channel=CART_CHANNEL,
        lines=tuple(
            Line(
                id=f"line-{i}",
                variant_id=f"v-{p}",
                product_id=f"p-{p}",
                quantity=rng.randint(1, 4),
                unit_price=Decimal(rng.randint(100, 20_000)) / 100,
                category_id=f"cat-{p % CATEGORIES}",
                collection_ids=frozenset({f"col-{p % COLLECTIONS}"}),
                product_type_id=f"type-{p % PRODUCT_TYPES}",
                metadata={"source": "upload"} if i % 17 == 0 else {},
            )
            for i, p in enumerate(products)
        ),
        shipping_price=Decimal("7.90"),
    )


# Two rule mixes. "catalogue": what a multi-channel shop looks like -- most rules belong to one of ten
# channels and to a few products, a category or a collection; few are store-wide; 15 % cumulative.
# "stress": three times more store-wide rules and twice the cumulative share, so that a quarter of all
# rules pass the index and the cart ends up fully discounted (the engine's worst shape of work).
MIXES = {
    "catalogue": {"channel_restricted": 0.8, "product_scoped": 0.85, "cumulative": 0.15},
    "stress": {"channel_restricted": 0.6, "product_scoped": 0.55, "cumulative": 0.3},
}


def build_rules(rng: random.Random, count: int, mix: str = "catalogue") -> list[Rule]:
    shape = MIXES[mix]
    rules = []
    for n in range(count):
        kind = n % 7
        if kind == 0:
            benefit = PercentageBenefit(percent=Decimal(rng.choice([5, 10, 15, 20])))
        elif kind == 1:
            benefit = FixedAmountBenefit(amount=Decimal(rng.choice([5, 10, 20])))
        elif kind == 2:
            benefit = FixedPerUnitBenefit(amount=Decimal("1.50"))
        elif kind == 3:
            benefit = ShippingBenefit()
        elif kind == 4:
            benefit = BuyXGetYBenefit(buy_quantity=2, get_quantity=1, max_applications=3)
        elif kind == 5:
            benefit = GiftBenefit(variant_id=f"v-{rng.randrange(PRODUCTS)}", value=Decimal("9.90"))
        else:
            benefit = TieredBenefit(
                tiers=(Tier(threshold=Decimal(50), percent=Decimal(5)),
                       Tier(threshold=Decimal(100), percent=Decimal(10)))
            )
        conditions: dict = {"currency": "EUR", "starts_at": NOW - dt.timedelta(days=30),
                            "ends_at": NOW + dt.timedelta(days=30)}
        if rng.random() < shape["channel_restricted"]:
            conditions["channels"] = frozenset({rng.choice(CHANNELS)})
        if rng.random() < shape["product_scoped"]:
            which = rng.random()
            if which < 0.5:
                conditions["product_ids"] = frozenset(f"p-{rng.randrange(PRODUCTS)}" for _ in range(5))
            elif which < 0.75:
                conditions["category_ids"] = frozenset({f"cat-{rng.randrange(CATEGORIES)}"})
            elif which < 0.9:
                conditions["collection_ids"] = frozenset({f"col-{rng.randrange(COLLECTIONS)}"})
            else:
                conditions["product_type_ids"] = frozenset({f"type-{rng.randrange(PRODUCT_TYPES)}"})
        if rng.random() < 0.2:
            conditions["min_subtotal"] = Decimal(rng.choice([50, 100, 500]))
        if rng.random() < 0.1:
            conditions["excluded_line_metadata"] = {"source": ("upload",)}
        rules.append(
            Rule(
                id=f"rule-{n:04d}",
                name=f"Rule {n}",
                requires_code=n % 10 == 0,
                conditions=Conditions(**conditions),
                benefit=benefit,
                stacking="cumulative" if rng.random() < shape["cumulative"] else "exclusive",
                cascade=rng.random() < 0.1,
                priority=rng.randint(0, 3),
            )
        )
    return rules


def run(mix: str, args: argparse.Namespace) -> None:
    rng = random.Random(args.seed)
    cart = build_cart(rng, args.lines)
    rules = build_rules(rng, args.rules, mix)
    coded = [r for r in rules if r.requires_code][:3]
    codes = {f"CODE{i}": CodeState(code=f"CODE{i}", rule_id=r.id) for i, r in enumerate(coded)}
    customer = Customer(id="c-1", email="ann@example.com", logged_in=True, orders_count=2)

    started = time.perf_counter_ns()
    index = compile_rules(rules)
    compile_ms = (time.perf_counter_ns() - started) / 1e6

    def once():
        return evaluate(
            cart=cart, customer=customer, rules=index, entered_codes=list(codes), codes=codes, now=NOW
        )

    for _ in range(50):
        once()
    samples, cpu = [], []
    for _ in range(args.runs):
        c0 = time.thread_time_ns()
        t0 = time.perf_counter_ns()
        result = once()
        samples.append(time.perf_counter_ns() - t0)
        cpu.append(time.thread_time_ns() - c0)
    samples.sort()

    def pct(p: float) -> float:
        return samples[min(len(samples) - 1, int(p * len(samples)))] / 1e6

    candidates = index.candidate_count(cart)
    automatic = sum(not r.requires_code for r in rules)
    print(f"[{mix}] {len(cart.lines)} lines, {len(rules)} active rules ({automatic} automatic), 3 codes "
          f"entered; {candidates} automatic rules pass the index")
    print(f"[{mix}] result: {len(result.applied)} applied, {len(result.rejected)} rejected, "
          f"{len(result.line_adjustments)} line adjustments, discount {result.total_discount} "
          f"on {result.subtotal}; compile {compile_ms:.1f} ms (once per rule set)")
    print(f"[{mix}] evaluate: runs={args.runs} median={statistics.median(samples) / 1e6:.3f} ms "
          f"p95={pct(0.95):.3f} ms p99={pct(0.99):.3f} ms (wall clock); "
          f"CPU time median={statistics.median(cpu) / 1e6:.3f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--rules", type=int, default=1000)
    parser.add_argument("--lines", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--mix", choices=[*MIXES, "all"], default="all")
    args = parser.parse_args()
    print(f"date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M UTC}")
    print(f"machine: {platform.platform()} | {platform.processor() or platform.machine()} | "
          f"{os.cpu_count()} CPUs | Python {platform.python_version()}")
    print("load average (1/5/15 min): " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    for mix in MIXES if args.mix == "all" else [args.mix]:
        run(mix, args)


if __name__ == "__main__":
    main()
