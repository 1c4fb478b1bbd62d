#!/usr/bin/python3
"""gen-files.py -- cut a CSV into N files of about B bytes each (whole lines, each with the header)

Usage: tests/bench/gen-files.py SRC.csv OUTDIR N BYTES [CONCAT.csv]
Writes OUTDIR/f00000.csv ... (N files, each the header plus whole lines of
SRC until about BYTES bytes), and, with CONCAT, one file holding the same
rows once (header once): the same bytes as one file.
"""
import os
import sys


def main():
    src, out, n, size = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    concat = sys.argv[5] if len(sys.argv) > 5 else None
    os.makedirs(out, exist_ok=True)
    cat = open(concat, "wb") if concat else None
    with open(src, "rb") as f:
        header = f.readline()
        if cat:
            cat.write(header)
        for k in range(n):
            rows = []
            got = len(header)
            while got < size:
                line = f.readline()
                if not line:
                    sys.exit("gen-files: %s is too short" % src)
                rows.append(line)
                got += len(line)
            body = b"".join(rows)
            with open(os.path.join(out, "f%05d.csv" % k), "wb") as g:
                g.write(header + body)
            if cat:
                cat.write(body)
    if cat:
        cat.close()


main()
