"""The result lines the Python test scripts print: `ok - NAME` / `not ok - NAME` (with the last 20
lines of the detail, `#`-prefixed), then `N passed, M failed` from `summary`, which returns the exit
status (1 on any failure)."""

counts = {"passed": 0, "failed": 0}


def report(name, ok, detail=""):
    if ok:
        counts["passed"] += 1
        print(f"ok - {name}", flush=True)
    else:
        counts["failed"] += 1
        print(f"not ok - {name}", flush=True)
        for line in str(detail).splitlines()[-20:]:
            print(f"#   {line}", flush=True)


def summary():
    print(f"{counts['passed']} passed, {counts['failed']} failed", flush=True)
    return 1 if counts["failed"] else 0
