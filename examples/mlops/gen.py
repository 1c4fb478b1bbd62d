#!/usr/bin/python3
"""gen.py -- the MLOps example's data: churn records of a subscription service, seeded.

Usage: gen.py --seed S --rows N --first-id K [--drift] OUT.csv

Deterministic: the same arguments give the same bytes on every machine
(random.Random draws from the Mersenne Twister; every number is rounded
and printed with a fixed format). Standard library only, so the data
stages of the loop run where scikit-learn is missing.

--drift is the world after a pricing change: many new customers, a
lot of them from 'apac', who open more tickets, and whose churn depends
more on tickets (covariate and concept drift at once).
"""
import argparse
import math
import random

PLANS = ("basic", "pro", "team")
REGIONS = ("eu", "us", "apac")


def row(rnd, drift):
    if drift:
        region = rnd.choices(REGIONS, weights=(0.30, 0.30, 0.40))[0]
        plan = rnd.choices(PLANS, weights=(0.50, 0.30, 0.20))[0]
        tenure = min(72, int(rnd.expovariate(1 / 8.0)))
    else:
        region = rnd.choices(REGIONS, weights=(0.45, 0.40, 0.15))[0]
        plan = rnd.choices(PLANS, weights=(0.55, 0.30, 0.15))[0]
        tenure = min(72, int(rnd.expovariate(1 / 20.0)))
    base = {"basic": 19.0, "pro": 49.0, "team": 99.0}[plan]
    spend = max(0.0, rnd.gauss(base, base * 0.15))
    tickets = min(20, int(rnd.expovariate(1 / (2.5 if drift else 1.2))))
    login = min(90, int(rnd.expovariate(1 / 10.0)))
    z = -1.0 - 0.05 * tenure + 0.07 * login + (0.3 if plan == "basic" else -0.2)
    z += (0.55 if drift else 0.25) * tickets
    # an interaction a linear model cannot see: long-idle, low-tenure customers leave
    if login > 20 and tenure < 12:
        z += 1.5
    if drift and region == "apac":
        z += 0.6
    p = 1 / (1 + math.exp(-z))
    churned = 1 if rnd.random() < p else 0
    return region, plan, tenure, spend, tickets, login, churned


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--rows", type=int, required=True)
    ap.add_argument("--first-id", type=int, default=1)
    ap.add_argument("--drift", action="store_true")
    ap.add_argument("out")
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    with open(a.out, "w", encoding="ascii", newline="") as f:
        f.write("customer_id,region,plan,tenure_months,monthly_spend,support_tickets,"
                "days_since_login,churned\n")
        for i in range(a.rows):
            region, plan, tenure, spend, tickets, login, churned = row(rnd, a.drift)
            f.write("C%06d,%s,%s,%d,%.2f,%d,%d,%d\n" % (a.first_id + i, region, plan, tenure,
                                                        spend, tickets, login, churned))


if __name__ == "__main__":
    main()
