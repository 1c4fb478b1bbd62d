#!/usr/bin/python3
"""model_gen.py -- deterministic predictions files for the qgate-model e2e tests.

usage: model_gen.py DIR
Writes into DIR:
  cand.csv   binary candidate: id,label,score,region (1200 rows, eu/us/apac; apac has 8 rows)
  champ.csv  the champion on the same rows, as good as cand: any difference is noise
  worse.csv  a truly worse candidate (much noisier scores) on the same rows
  shuffled.csv champ's rows in another order (join by --id)
"""
import random
import sys

d = sys.argv[1]
rnd = random.Random(7)
rows = []
for i in range(1200):
    region = "apac" if i % 150 == 0 else ("eu" if i % 2 else "us")
    y = 1 if rnd.random() < 0.4 else 0
    base = 0.65 if y else 0.35
    champ = min(1, max(0, rnd.gauss(base, 0.15)))
    cand = min(1, max(0, rnd.gauss(base, 0.15)))  # as good, independently noisy
    worse = min(1, max(0, rnd.gauss(0.5 + (0.05 if y else -0.05), 0.25)))
    rows.append((f"r{i}", y, cand, champ, worse, region))


def write(name, col, order=None):
    with open(f"{d}/{name}", "w") as f:
        f.write("id,label,score,region\n")
        for r in (order or rows):
            f.write(f"{r[0]},{r[1]},{r[col]:.6f},{r[5]}\n")


write("cand.csv", 2)
write("champ.csv", 3)
write("worse.csv", 4)
shuf = rows[:]
rnd.shuffle(shuf)
write("shuffled.csv", 3, shuf)
