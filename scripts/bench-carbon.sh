#!/usr/bin/env bash
# What carbon accounting costs: scripts/bench-gas.sh's interleaved A/B of one binary, with carbon
# accounting on in one server and `AEGIS_CARBON_ENABLED=false` in the other (gas metering on in both).
#   scripts/bench-carbon.sh [BINARY] [ROUNDS]   (default .build/release/aegisguard, 5 rounds)
BENCH_TOGGLE=AEGIS_CARBON_ENABLED BENCH_ON="carbon on" BENCH_OFF="carbon off" exec bash "$(dirname "$0")/bench-gas.sh" "$@"
