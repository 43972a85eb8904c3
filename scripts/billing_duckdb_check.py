"""Checks the ledger export against the API's invoice with DuckDB (PyPI `duckdb`).

usage: billing_duckdb_check.py INVOICE.json EXPORT.csv EXPORT.ndjson HEADERS_SUM
Prints `ok - …`/`not ok - …` lines.
"""
import json
import sys

import duckdb

invoice_path, csv_path, ndjson_path, headers_sum = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
invoice = json.load(open(invoice_path))
failures = 0


def check(name, ok, detail=""):
    global failures
    print(("ok - " if ok else "not ok - ") + name)
    if not ok:
        failures += 1
        print("#   " + detail)


con = duckdb.connect()
for label, relation in [("csv", f"read_csv_auto('{csv_path}')"), ("ndjson", f"read_json_auto('{ndjson_path}', format='newline_delimited')")]:
    gas, amount, rows = con.execute(f"SELECT sum(gas), sum(amount), count(*) FROM {relation}").fetchone()
    check(f"duckdb {label}: total gas equals the invoice's", gas == invoice["totalGas"], f"{gas} vs {invoice['totalGas']}")
    check(f"duckdb {label}: total amount equals the invoice's", amount == invoice["totalAmount"], f"{amount} vs {invoice['totalAmount']}")
    by_operation = dict(con.execute(f"SELECT operation, sum(gas) FROM {relation} GROUP BY operation").fetchall())
    expected = {}
    for line in invoice["lines"]:
        expected[line["operation"]] = expected.get(line["operation"], 0) + line["gas"]
    check(f"duckdb {label}: gas by operation equals the invoice lines", by_operation == expected, f"{by_operation} vs {expected}")
    check(f"duckdb {label}: {rows} rows", rows > 0)
check("ledger total equals the sum of Aegis-Gas-Used headers", invoice["totalGas"] == headers_sum, f"{invoice['totalGas']} vs {headers_sum}")
sys.exit(1 if failures else 0)
