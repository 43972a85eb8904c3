"""Checks the ledger export against the API's invoice with DuckDB (PyPI `duckdb`).

usage: billing_duckdb_check.py INVOICE.json EXPORT.csv EXPORT.ndjson HEADERS_SUM [INVOICE_CALL_GAS]
The exports are read after the invoice call, whose own `api.call` charge (INVOICE_CALL_GAS, its
Aegis-Gas-Used) they hold and the invoice does not. Prints `ok - …`/`not ok - …` lines.
"""
import json
import sys

import duckdb

invoice_path, csv_path, ndjson_path, headers_sum = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
invoice_call = int(sys.argv[5]) if len(sys.argv) > 5 else 0
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
    check(
        f"duckdb {label}: total gas equals the invoice's and its own call's",
        gas == invoice["totalGas"] + invoice_call, f"{gas} vs {invoice['totalGas']} + {invoice_call}")
    # The invoice call pays the current price; amounts are compared without it.
    call_amount = con.execute(
        f"SELECT coalesce(sum(amount), 0) FROM (SELECT amount, operation FROM {relation} ORDER BY time DESC LIMIT 1) WHERE operation = 'api.call'"
    ).fetchone()[0] if invoice_call else 0
    check(
        f"duckdb {label}: total amount equals the invoice's and its own call's",
        amount - call_amount == invoice["totalAmount"], f"{amount} - {call_amount} vs {invoice['totalAmount']}")
    by_operation = dict(con.execute(f"SELECT operation, sum(gas) FROM {relation} GROUP BY operation").fetchall())
    expected = {}
    for line in invoice["lines"]:
        expected[line["operation"]] = expected.get(line["operation"], 0) + line["gas"]
    if invoice_call:
        expected["api.call"] = expected.get("api.call", 0) + invoice_call
    check(f"duckdb {label}: gas by operation equals the invoice lines", by_operation == expected, f"{by_operation} vs {expected}")
    check(f"duckdb {label}: {rows} rows", rows > 0)
check("ledger total equals the sum of Aegis-Gas-Used headers", invoice["totalGas"] == headers_sum, f"{invoice['totalGas']} vs {headers_sum}")
sys.exit(1 if failures else 0)
