# Shared by the test scripts: start an AegisGuard server on a free loopback port.
# start_aegis BINARY DATA_DIR LOG  → sets SERVER_PID and PORT; returns 1 if no banner within 30 s.
start_aegis() {
    local bin="$1" data="$2" log="$3"
    AEGIS_LOG_LEVEL=error AEGIS_SCRYPT_ROUNDS=1024 "$bin" serve --data-dir "$data" --listen 127.0.0.1:0 >"$log" 2>&1 &
    SERVER_PID=$!
    PORT=""
    for _ in $(seq 1 300); do
        PORT="$(sed -n 's#^AegisGuard listening on http://127\.0\.0\.1:\([0-9][0-9]*\).*#\1#p' "$log" | head -n 1)"
        [ -n "$PORT" ] && return 0
        kill -0 "$SERVER_PID" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}
