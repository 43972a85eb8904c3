# Shared by bench-gas.sh and bench-ab.sh (sourced): the blob set and the two measured workloads.
# Needs BLOBS (a directory) and wrk; servers hold the repository bench/x with manifest v1.

# 8 × 16 MiB of fresh random bytes, with their sha256, the same for every server of a round.
make_blobs() {
    rm -f "$BLOBS"/*
    for i in $(seq 1 8); do
        head -c $((16 << 20)) /dev/urandom >"$BLOBS/$i"
        sha256sum "$BLOBS/$i" | cut -d' ' -f1 >"$BLOBS/$i.sha256"
    done
}

# PID → the process's user + system CPU time, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

rps() { # URL TOKEN PID → "requests/s µs-of-server-CPU-per-request"
    local before after out
    before="$(cpu_ticks "$3")"
    out="$(wrk -t2 -c32 -d5s -H "Authorization: Bearer $2" "$1/v2/bench/x/manifests/v1")"
    after="$(cpu_ticks "$3")"
    awk -v ticks=$((after - before)) -v hz="$(getconf CLK_TCK)" '
        / requests in / {requests = $1}
        /Requests\/sec/ {rate = $2}
        END {printf "%s %.2f\n", rate, ticks / hz * 1e6 / requests}' <<<"$out"
}

push() { # URL TOKEN PID → "MB/s ms-of-server-CPU-per-blob" over the 8 blobs
    local start end before after
    before="$(cpu_ticks "$3")"
    start="$(date +%s.%N)"
    # `Expect:` off: curl would wait a second for a 100 Continue before each body.
    for i in $(seq 1 8); do
        curl -sf -o /dev/null -H "Authorization: Bearer $2" -H 'Content-Type: application/octet-stream' -H 'Expect:' \
            -X POST --data-binary @"$BLOBS/$i" "$1/v2/bench/x/blobs/uploads/?digest=sha256:$(cat "$BLOBS/$i.sha256")"
    done
    end="$(date +%s.%N)"
    after="$(cpu_ticks "$3")"
    python3 -c "print(f'{8 * 16 * 1.048576 / ($end - $start):.1f} {($after - $before) / $(getconf CLK_TCK) * 1e3 / 8:.1f}')"
}
