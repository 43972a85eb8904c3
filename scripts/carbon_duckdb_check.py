"""Checks the carbon ledger's exports against its report with DuckDB (PyPI `duckdb`).

usage: carbon_duckdb_check.py REPORT.json EXPORT.csv EXPORT.ndjson GAS_EXPORT.csv
All four are read from a stopped server's data, so they describe the same rows. Prints
`ok - …`/`not ok - …` lines.
"""
import json
import sys

import duckdb

report_path, csv_path, ndjson_path, gas_csv_path = sys.argv[1:5]
report = json.load(open(report_path))
failures = 0


def check(name, ok, detail=""):
    global failures
    print(("ok - " if ok else "not ok - ") + name)
    if not ok:
        failures += 1
        print("#   " + detail)


totals = report["totals"]
con = duckdb.connect()
for label, relation in [("csv", f"read_csv_auto('{csv_path}')"), ("ndjson", f"read_json_auto('{ndjson_path}', format='newline_delimited')")]:
    energy, operational, embodied, rows, cpu = con.execute(
        f"SELECT sum(compute_uj + memory_uj + storage_uj + network_uj), sum(operational_ng), sum(embodied_ng), count(*), sum(cpu_us) FROM {relation}"
    ).fetchone()
    check(f"duckdb {label}: as many rows as the report counts", rows == totals["count"], f"{rows} vs {totals['count']}")
    check(
        f"duckdb {label}: energy equals the report's (µJ / 3.6e9 = Wh)",
        abs(energy / 3.6e9 - totals["energyWh"]) <= 1e-12 * max(1, totals["energyWh"]),
        f"{energy / 3.6e9} vs {totals['energyWh']}",
    )
    check(
        f"duckdb {label}: operational and embodied CO2e equal the report's",
        abs(operational / 1e9 - totals["operationalGrams"]) < 1e-12 and abs(embodied / 1e9 - totals["embodiedGrams"]) < 1e-12,
        f"{operational / 1e9}, {embodied / 1e9} vs {totals['operationalGrams']}, {totals['embodiedGrams']}",
    )
    check(f"duckdb {label}: CPU seconds equal the report's", abs(cpu / 1e6 - totals["cpuSeconds"]) < 1e-9, f"{cpu / 1e6} vs {totals['cpuSeconds']}")
    by_line = con.execute(
        f"SELECT coalesce(repository, ''), operation, count(*), sum(operational_ng) FROM {relation} GROUP BY 1, 2 ORDER BY 1, 2"
    ).fetchall()
    expected = sorted((line.get("repository") or "", line["operation"], line["figures"]["count"], round(line["figures"]["operationalGrams"] * 1e9)) for line in report["lines"])
    check(f"duckdb {label}: each line's count and CO2e equal the report's", [tuple(r) for r in by_line] == expected, f"{by_line} vs {expected}")

# Every metered request has its carbon row: the gas ledger's request ids, minus storage accrual, are the carbon ledger's.
missing = con.execute(
    f"""SELECT count(*) FROM read_csv_auto('{gas_csv_path}') g
        WHERE g.operation <> 'storage.accrual'
          AND g.request_id NOT IN (SELECT request_id FROM read_csv_auto('{csv_path}'))"""
).fetchone()[0]
check("every gas ledger row has its carbon row (same request id)", missing == 0, f"{missing} gas rows without a carbon row")
pull = next(u for u in report["sci"] if u["unit"] == "pull")
check(
    "SCI per pull is (E × I + M) / R of its terms",
    pull["units"] > 0 and abs(pull["gramsPerUnit"] - (pull["energyKWh"] * pull["intensity"] + pull["embodiedGrams"]) / pull["units"]) < 1e-12,
    json.dumps(pull),
)
sys.exit(1 if failures else 0)
