#!/usr/bin/env python3
"""Fill rate per column of the plans' RTF exports (the demo's demo-out/exports).

  scripts/rtf_fill_rate.py [EXPORTS_DIR]   (default: demo-out/exports)

For each <plan>_rtf_<period>.* file, prints the number of rows and, per
column, how many rows have a non-empty cell. Delimited files are read with
Python's csv module (a reader the hub did not write): header files by name,
united's headerless pipe file by position (#N), blue_shield_promise's trailer
record (TRL) skipped. The fixed-width file of community_health_group is cut by
the column widths of its profile (adapters/plans/community_health_group/
profile.textproto, RTF layout), read here with a small text-format scan.
Only counts are printed: never a cell's value (the files hold PHI).
"""

import csv
import glob
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def fixed_width_columns(profile_path, kind="FILE_KIND_RETURN_TRANSMISSION"):
    text = open(profile_path, encoding="utf-8").read()
    # The layout block of `kind`: from "kind: <kind>" to the next "layouts {".
    start = text.index("kind: " + kind)
    end = text.find("\nlayouts {", start)
    block = text[start:end if end >= 0 else len(text)]
    cols = re.findall(r'columns\s*\{\s*name:\s*"([^"]+)"\s*start:\s*(\d+)\s*length:\s*(\d+)', block)
    rtype = re.search(r'record_type_column:\s*"([^"]+)"', block)
    data = re.search(r'data_record_type:\s*"([^"]+)"', block)
    return [(n, int(s), int(l)) for n, s, l in cols], rtype and rtype.group(1), data and data.group(1)


def rows_of(path, plan):
    ext = os.path.splitext(path)[1]
    if ext == ".dat":
        cols, rtype_col, data_type = fixed_width_columns(
            os.path.join(ROOT, "adapters/plans", plan, "profile.textproto"))
        names = [c[0] for c in cols]
        rows = []
        for line in open(path, encoding="utf-8"):
            line = line.rstrip("\r\n")
            rec = {n: line[s - 1:s - 1 + l].strip() for n, s, l in cols}
            if rtype_col and rec.get(rtype_col) != data_type:
                continue
            rows.append(rec)
        return [n for n in names if n != rtype_col], rows
    delim = {".csv": ",", ".tsv": "\t"}.get(ext, "|")
    with open(path, newline="", encoding="utf-8") as f:
        records = list(csv.reader(f, delimiter=delim))
    if plan == "united":  # no header: positions
        width = max(len(r) for r in records) if records else 0
        names = [f"#{i + 1}" for i in range(width)]
        body = records
    else:
        names, body = records[0], records[1:]
    body = [r for r in body if r and r[0] != "TRL"]
    return names, [dict(zip(names, r)) for r in body]


def main(argv):
    exports = argv[1] if len(argv) > 1 else os.path.join(ROOT, "demo-out", "exports")
    files = sorted(glob.glob(os.path.join(exports, "*_rtf_*")))
    if not files:
        print(f"no RTF exports in {exports}", file=sys.stderr)
        return 1
    for path in files:
        plan = os.path.basename(path).split("_rtf_")[0]
        names, rows = rows_of(path, plan)
        n = len(rows)
        print(f"{plan}: {n} rows")
        for name in names:
            filled = sum(1 for r in rows if r.get(name, "").strip())
            pct = 100.0 * filled / n if n else 0.0
            print(f"  {name:48s} {filled:6d}  {pct:5.1f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
