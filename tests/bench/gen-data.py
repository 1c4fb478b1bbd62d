#!/usr/bin/python3
"""gen-data.py -- write a typed CSV of about N bytes and a JSONL file with the same rows

Ten columns: id (integer, unique, increasing), x and y (floats), amount (an
integer), name (a short string; about 2% need CSV quoting: a comma or a
doubled quote), email, status (one of five values), day (YYYY-MM-DD), active
(true/false), code (a short string). The output is deterministic for a seed.

Speed: rows are drawn from a pool of pre-formatted row tails, so writing
1 GB takes seconds, not minutes: each row is "<id>," + a tail picked by a
seeded generator, written in chunks of tens of megabytes.

Usage: tests/bench/gen-data.py [--bytes N] [--csv PATH] [--jsonl PATH|-]
                               [--seed S] [--pool N]
Defaults: --bytes 1000000000 --csv build/bench/data.csv
          --jsonl build/bench/data.jsonl (same rows; "-" to skip it).
Generated data stays under build/ or /tmp; never commit it.
"""
import argparse
import json
import os
import random
import sys

STATUSES = ["active", "pending", "suspended", "closed", "trial"]
FIRST = ["ann", "bob", "carla", "dmitri", "eve", "farid", "grace", "hiro", "ines", "jon",
         "kofi", "lena", "marta", "nils", "olu", "priya", "quinn", "rosa", "sven", "tariq"]
LAST = ["smith", "garcia", "chen", "okafor", "novak", "silva", "kim", "muller", "rossi", "khan"]
DOMAINS = ["example.com", "mail.test", "corp.example", "data.example.org"]


def make_pool(rng, n):
    """n (csv_tail, jsonl_tail) pairs; a tail is everything after the id."""
    pool = []
    for _ in range(n):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        x = round(rng.uniform(-1000.0, 1000.0), 6)
        y = round(rng.gauss(0.0, 1.0), 4)
        amount = rng.randint(0, 1000000)
        r = rng.random()
        if r < 0.01:
            name = "%s, %s" % (last.title(), first.title())
        elif r < 0.02:
            name = '%s "%s" %s' % (first.title(), first[:2], last.title())
        else:
            name = "%s %s" % (first.title(), last.title())
        email = "%s.%s%d@%s" % (first, last, rng.randint(1, 999), rng.choice(DOMAINS))
        status = rng.choice(STATUSES)
        day = "%04d-%02d-%02d" % (rng.randint(2015, 2026), rng.randint(1, 12), rng.randint(1, 28))
        active = rng.random() < 0.7
        code = "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(6))
        if '"' in name or "," in name:
            cname = '"' + name.replace('"', '""') + '"'
        else:
            cname = name
        csv_tail = "%r,%r,%d,%s,%s,%s,%s,%s,%s\n" % (
            x, y, amount, cname, email, status, day, "true" if active else "false", code)
        jtail = (', "x": %r, "y": %r, "amount": %d, "name": %s, "email": "%s", "status": "%s", '
                 '"day": "%s", "active": %s, "code": "%s"}\n') % (
            x, y, amount, json.dumps(name), email, status, day, "true" if active else "false", code)
        pool.append((csv_tail, jtail))
    return pool


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bytes", type=int, default=1000000000, help="size of the CSV (approximate, >=)")
    ap.add_argument("--csv", default="build/bench/data.csv")
    ap.add_argument("--jsonl", default="build/bench/data.jsonl", help='"-" to skip')
    ap.add_argument("--seed", type=int, default=20261126)
    ap.add_argument("--pool", type=int, default=65536, help="distinct row tails")
    a = ap.parse_args()

    rng = random.Random(a.seed)
    pool = make_pool(rng, a.pool)
    csv_tails = [p[0] for p in pool]
    j_tails = [p[1] for p in pool]
    for path in (a.csv, a.jsonl):
        if path and path != "-":
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fc = open(a.csv, "w", encoding="utf-8", newline="")
    fj = open(a.jsonl, "w", encoding="utf-8", newline="") if a.jsonl != "-" else None
    header = "id,x,y,amount,name,email,status,day,active,code\n"
    fc.write(header)
    written = len(header)
    next_id = 1
    chunk = 200000
    npool = len(pool)
    while written < a.bytes:
        # a seeded walk through the pool: a random start and stride per chunk
        start = rng.randrange(npool)
        stride = rng.randrange(1, npool, 2)
        idx = [(start + k * stride) % npool for k in range(chunk)]
        ids = range(next_id, next_id + chunk)
        text = "".join([str(i) + "," + csv_tails[k] for i, k in zip(ids, idx)])
        if written + len(text) > a.bytes:
            # trim to whole rows just past the target
            cut = text.find("\n", a.bytes - written) + 1
            text = text[:cut] if cut > 0 else text
        rows = text.count("\n")
        fc.write(text)
        written += len(text)
        if fj:
            fj.write("".join(['{"id": ' + str(i) + j_tails[k]
                              for i, k in zip(range(next_id, next_id + rows), idx[:rows])]))
        next_id += rows
    fc.close()
    if fj:
        fj.close()
    print("%s: %d bytes, %d rows" % (a.csv, written, next_id - 1), file=sys.stderr)
    if fj:
        print("%s: %d bytes" % (a.jsonl, os.path.getsize(a.jsonl)), file=sys.stderr)


if __name__ == "__main__":
    main()
