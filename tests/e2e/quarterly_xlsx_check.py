#!/usr/bin/python3
"""quarterly_xlsx: every plan's quarterly workbook, read back with openpyxl
(python3-openpyxl, a reader the project did not write), reconciled with
MonitorService's numbers for the same months (monitor.tsv, written by
hub_tests QuarterlyExportTest with HUB_QUARTERLY_OUT).

Usage: quarterly_xlsx_check.py DIR     exit 0 pass, 1 fail
"""
import csv
import glob
import os
import sys

import openpyxl

TABS = ["report", "ecm_pof", "cs_service", "network", "outreach", "referrals", "flows", "notes"]


def rows(sheet):
    values = list(sheet.iter_rows(values_only=True))
    header = list(values[0])
    return header, [dict(zip(header, v)) for v in values[1:]]


def main(out_dir):
    failures = []
    monitor = {}
    with open(os.path.join(out_dir, "monitor.tsv"), newline="") as f:
        for r in csv.DictReader(f, delimiter="\t"):
            monitor[(r["plan_id"], r["month"])] = {k: int(r[k]) for k in
                                                   ("met", "late", "missing", "accepted")}
    books = sorted(glob.glob(os.path.join(out_dir, "*_quarterly_2026Q4.xlsx")))
    if not books:
        print("FAIL: no workbook in", out_dir)
        return 1
    compared = 0
    for path in books:
        plan = os.path.basename(path)[: -len("_quarterly_2026Q4.xlsx")]
        book = openpyxl.load_workbook(path, read_only=True)
        if book.sheetnames != TABS:
            failures.append(f"{plan}: sheets {book.sheetnames}, expected {TABS}")
            continue
        about = {r[0]: r[1] for r in book["report"].iter_rows(values_only=True)}
        if about.get("plan_id") != plan or about.get("quarter") != "2026Q4":
            failures.append(f"{plan}: the report sheet names {about.get('plan_id')} "
                            f"{about.get('quarter')}")
        _, outreach = rows(book["outreach"])
        _, flows = rows(book["flows"])
        for (p, month), want in monitor.items():
            if p != plan:
                continue
            got = {k: 0 for k in want}
            for r in outreach:
                if r["month"] == month:
                    got["met"] += int(r["met_24h"])
                    got["late"] += int(r["late"])
                    got["missing"] += int(r["missing"])
            for r in flows:
                if r["month"] == month:
                    got["accepted"] += int(r["accepted"])
            if got != want:
                failures.append(f"{plan} {month}: workbook {got}, MonitorService {want}")
            compared += 1
        header, ecm = rows(book["ecm_pof"])
        if header[0] != "population_of_focus" or not ecm:
            failures.append(f"{plan}: ecm_pof has no rows")
        for r in ecm:
            if not all(isinstance(r[c], (int, float)) for c in header[1:]):
                failures.append(f"{plan}: ecm_pof {r['population_of_focus']} has a non-number")
                break
    if compared == 0:
        failures.append("no plan-month was compared")
    for f in failures:
        print("FAIL:", f)
    if failures:
        return 1
    print(f"quarterly_xlsx: {len(books)} workbooks, {compared} plan-months' outreach and flows reconciled")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
