#!/usr/bin/env bash
# Checks the deploy files: the Prometheus config and alert rules with promtool (the rules' unit tests
# included), the Grafana dashboard with python3 (valid JSON, unique panel ids, a datasource and
# PromQL on every query panel), and that every metric an expression or a test series names is one
# AegisGuard exports (below), so a typo cannot hide as a panel without data or an alert that never fires.
#   scripts/deploy-checks.sh        (promtool from Debian `prometheus`; PyYAML, which schemathesis brings:
#                                    both installed by scripts/install-test-deps.sh)
set -uo pipefail
cd "$(dirname "$0")/.."

# What AegisGuard exports (docs/OBSERVABILITY.md#metrics), and Prometheus' own `up`.
METRICS=(
    up
    aegis_http_requests_total aegis_http_request_bytes_total aegis_http_response_bytes_total
    aegis_gas_used_total aegis_gas_out_of_gas_total aegis_gas_budget_remaining_gas aegis_gas_base_fee_nano_credits
    aegis_gas_anomalies_total
    aegis_events_outbox_lag_seconds aegis_events_outbox_pending aegis_events_published_total aegis_events_publish_failures_total
    aegis_webhook_deliveries_total aegis_webhooks_disabled_total aegis_events_dropped_total aegis_access_decisions_total
    aegis_wasm_runs_total aegis_wasm_fuel_total
    aegis_login_password_hashes_total aegis_login_throttled_total aegis_login_lockouts_total
)
# Histograms, known by their _bucket, _sum and _count series only: the bare name has no samples.
HISTOGRAMS=(
    http_server_request_duration_seconds
    aegis_webhook_delivery_duration_seconds aegis_wasm_run_duration_seconds
)

DEPLOY=deploy/prometheus
DASHBOARD=deploy/grafana/aegisguard.json
TMP="$(mktemp -d "${TMPDIR:-/tmp}/aegis-deploy-checks.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
LOG="$TMP/log"

# check NAME COMMAND…: `ok - NAME`, or `not ok - NAME` with the command's last 20 lines.
check() {
    local name="$1"
    shift
    if "$@" >"$TMP/out" 2>&1; then
        echo "ok - $name"
    else
        echo "not ok - $name"
        tail -n 20 "$TMP/out" | sed 's/^/#   /'
    fi
}

# The example config reads the scrape password from /etc/prometheus; check a copy that reads it from
# a temporary file instead, beside a copy of the rules it names (resolved against its directory).
config_with_temporary_password() {
    echo example >"$TMP/admin-password"
    cp "$DEPLOY/alerts.yml" "$TMP/"
    sed "s|password_file: .*|password_file: $TMP/admin-password|" "$DEPLOY/prometheus.yml" >"$TMP/prometheus.yml"
    grep -q "password_file: $TMP/admin-password" "$TMP/prometheus.yml" || { echo "no password_file in $DEPLOY/prometheus.yml"; return 1; }
    promtool check config "$TMP/prometheus.yml"
}

{
    if ! command -v promtool >/dev/null 2>&1; then
        echo "not ok - promtool is installed"
        echo "#   run scripts/install-test-deps.sh"
    else
        check "promtool check config $DEPLOY/prometheus.yml" config_with_temporary_password
        check "promtool check rules $DEPLOY/alerts.yml" promtool check rules "$DEPLOY/alerts.yml"
        check "promtool test rules $DEPLOY/alerts_test.yml" promtool test rules "$DEPLOY/alerts_test.yml"
    fi

    python3 - "$DASHBOARD" "$DEPLOY/alerts.yml" "$DEPLOY/alerts_test.yml" "${METRICS[*]}" "${HISTOGRAMS[*]}" <<'EOF' ||
import json
import re
import sys

sys.path.insert(0, "scripts")
import yaml
from tap import report

dashboard_path, alerts_path, tests_path, metrics, histograms = sys.argv[1:]
known = set(metrics.split()) | {h + s for h in histograms.split() for s in ("_bucket", "_sum", "_count")}
KEYWORDS = {"and", "or", "unless", "bool", "by", "without", "on", "ignoring", "group_left", "group_right", "offset", "inf", "nan"}


def metric_names(expr):
    """The metric names a PromQL expression selects: what is left once strings, label matchers,
    ranges, grouping label lists, offsets, numbers and function names are taken out."""
    s = re.sub(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|`[^`]*`', "", expr)
    s = re.sub(r"#[^\n]*", "", s)
    s = re.sub(r"\{[^}]*\}|\[[^\]]*\]", "", s)
    s = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", s)
    s = re.sub(r"\boffset\s+-?\w+", " ", s)
    found = re.findall(r"(?<![\w.$])([a-zA-Z_:][\w:]*)\b(?!\s*\()", s)
    return {name for name in found if name.lower() not in KEYWORDS}


def check_names(what, exprs):
    """Every expression names at least one metric (else this lint would pass anything), all known."""
    unknown = sorted({f"{where}: {name}" for where, expr in exprs for name in metric_names(expr) if name not in known})
    blind = [where for where, expr in exprs if not metric_names(expr)]
    report(f"every metric named in {what} is known", not unknown and not blind,
           "\n".join(unknown + [f"{where}: no metric name found in the expression" for where in blind]))


try:
    with open(dashboard_path) as f:
        dashboard = json.load(f)
    report(f"{dashboard_path} is valid JSON", True)
except (OSError, ValueError) as error:
    report(f"{dashboard_path} is valid JSON", False, error)
    dashboard = {"panels": []}

# Rows hold their panels while collapsed.
panels = [p for top in dashboard.get("panels", []) for p in [top, *top.get("panels", [])]]
ids = [p.get("id") for p in panels]
duplicates = sorted({str(i) for i in ids if ids.count(i) > 1})
report("panel ids are present and unique", None not in ids and not duplicates, "duplicate ids: " + ", ".join(duplicates))

# Rows and text panels query nothing; every other panel must.
query_panels = [p for p in panels if p.get("type") not in ("row", "text")]
bad = [
    f"panel {p.get('id')} {p.get('title')!r}"
    for p in query_panels
    if not p.get("datasource") or not p.get("targets") or not all(t.get("expr", "").strip() for t in p["targets"])
]
report("every query panel has a datasource and targets with expr", query_panels and not bad, "\n".join(bad))

variables = {v.get("name"): v for v in dashboard.get("templating", {}).get("list", [])}
report("the dashboard has the DS_PROMETHEUS and tenant variables",
       variables.get("DS_PROMETHEUS", {}).get("type") == "datasource" and "tenant" in variables,
       f"variables: {sorted(variables)}")

check_names(dashboard_path, [(f"panel {p.get('id')} {t.get('refId')}", t.get("expr", "")) for p in query_panels for t in p.get("targets", [])])

try:
    with open(alerts_path) as f:
        rules = [r for g in yaml.safe_load(f)["groups"] for r in g["rules"]]
    with open(tests_path) as f:
        tests = yaml.safe_load(f)["tests"]
except (OSError, KeyError, TypeError, yaml.YAMLError) as error:
    report(f"{alerts_path} and {tests_path} load", False, error)
    sys.exit(1)

check_names(alerts_path, [(r.get("alert", r.get("record")), r["expr"]) for r in rules])
check_names(tests_path, [(s["series"], s["series"].split("{")[0]) for t in tests for s in t.get("input_series", [])])

incomplete = [
    r["alert"] for r in rules
    if not r.get("labels", {}).get("severity") or not {"summary", "description"} <= set(r.get("annotations", {}))
]
report("every alert has a severity label and summary and description annotations", not incomplete, "\n".join(incomplete))

fired = {a["alertname"] for t in tests for a in t.get("alert_rule_test", []) if a.get("exp_alerts")}
untested = sorted({r["alert"] for r in rules if "alert" in r} - fired)
report(f"every alert fires in a case of {tests_path}", not untested, "\n".join(untested))
EOF
        echo "not ok - the dashboard and metric lint ran to its end"
} | tee "$LOG"

passed="$(grep -c '^ok - ' "$LOG")"
failed="$(grep -c '^not ok - ' "$LOG")"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
