#!/usr/bin/env bash
# Proves the committed fixtures behave as README.md documents, by running them with
# wasmtime (Python API, via run_wasmtime.py). Installs the wasmtime wheel if missing.
# Ends with "N passed, N failed"; exit status 1 if anything failed.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
if ! python3 -c 'import wasmtime' 2>/dev/null; then
    pip install -q wasmtime==50.0.1 2>/dev/null || pip install -q --break-system-packages wasmtime==50.0.1
fi
RUN="python3 $here/run_wasmtime.py"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0

# t NAME EXIT_CODE STDOUT STDERR_GLOB [runner options] MODULE [ARGS...]
# STDOUT must match byte for byte; stderr is matched against a bash glob ('*' = anything).
t() {
    local name="$1" want_rc="$2" want_out="$3" want_err="$4"
    shift 4
    $RUN "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
    local rc=$?
    printf '%s' "$want_out" >"$tmp/want"
    local err
    err="$(cat "$tmp/err")"
    if [ "$rc" = "$want_rc" ] && cmp -s "$tmp/out" "$tmp/want" && [[ "$err" == $want_err ]]; then
        passed=$((passed + 1))
        echo "ok   $name"
    else
        failed=$((failed + 1))
        echo "FAIL $name: exit $rc (want $want_rc)"
        echo "  stdout: $(head -c 300 "$tmp/out" | od -An -c | head -5)"
        echo "  want:   $(od -An -c "$tmp/want" | head -5)"
        echo "  stderr: $(head -c 300 "$tmp/err")"
    fi
}

# hello
t hello 0 $'hello, world\n' '' hello.wasm

# echo
printf 'line1\nbytes\0end' >"$tmp/stdin"
printf 'line1\n  two ' >"$tmp/text"
t echo-full 7 $'arg[1]=a b\narg[2]=\narg[3]=--x\nenv A=1\nenv A0=zero\nenv B=two=2\nenv EXIT_CODE=7\nstdin=line1\n  two \n' '' \
    --stdin "$tmp/text" --env B=two=2 --env A0=zero --env EXIT_CODE=7 --env A=1 echo.wasm 'a b' '' --x
# (bash strings cannot hold NUL: compare the NUL case with a file instead)
$RUN --stdin "$tmp/stdin" echo.wasm >"$tmp/out" 2>/dev/null </dev/null
if printf 'stdin=line1\nbytes\0end\n' | cmp -s - "$tmp/out"; then passed=$((passed + 1)); echo "ok   echo-nul"; else failed=$((failed + 1)); echo "FAIL echo-nul"; fi
t echo-empty 0 $'stdin=\n' '' echo.wasm

# exit
t exit-42 42 '' 'exiting with 42' exit.wasm 42
t exit-0 0 '' 'exiting with 0' exit.wasm

# files: denied without a preopen, readable through a read-only one
mkdir -p "$tmp/model/sub"
printf 'secret weights\n' >"$tmp/model/w.txt"
t files-ungranted 3 '' 'open failed: Capabilities insufficient' files.wasm /model/w.txt
t files-granted 0 $'secret weights\n' '' --dir "$tmp/model::/model" files.wasm /model/w.txt
t files-missing 3 '' 'open failed: No such file or directory' --dir "$tmp/model::/model" files.wasm /model/nope
t files-escape 3 '' 'open failed: *' --dir "$tmp/model/sub::/model" files.wasm /model/../w.txt
t files-dir 3 '' 'read failed: *' --dir "$tmp/model::/model" files.wasm /model/sub
t files-usage 2 '' 'usage: files PATH' files.wasm

# writefile: read-only preopen refuses, writable one accepts
t write-ungranted 4 '' 'write failed: Capabilities insufficient' writefile.wasm /data/out.txt
t write-readonly 4 '' 'write failed: *' --dir "$tmp/model::/data" writefile.wasm /data/out.txt
[ ! -e "$tmp/model/out.txt" ] && { passed=$((passed + 1)); echo "ok   write-readonly-no-file"; } || { failed=$((failed + 1)); echo "FAIL write-readonly created a file"; }
t write-rw 0 $'written\n' '' --dir-rw "$tmp/model::/data" writefile.wasm /data/out.txt
if printf 'written by writefile\n' | cmp -s - "$tmp/model/out.txt"; then passed=$((passed + 1)); echo "ok   write-rw-content"; else failed=$((failed + 1)); echo "FAIL write-rw-content"; fi

# bigout
for n in "" 1 0; do
    $RUN bigout.wasm $n >"$tmp/out" 2>"$tmp/err" </dev/null
    rc=$?
    want=$(( ${n:-8} * 1048576 ))
    if [ $rc = 0 ] && [ "$(wc -c <"$tmp/out")" = "$want" ] && [ -z "$(tr -d x <"$tmp/out" | head -c 1)" ]; then
        passed=$((passed + 1)); echo "ok   bigout${n:+-$n} ($want bytes)"
    else
        failed=$((failed + 1)); echo "FAIL bigout${n:+-$n}: exit $rc, $(wc -c <"$tmp/out") bytes"
    fi
done

# spin / membomb / recurse: resource exhaustion ends in a trap (runner exit 134)
t spin-fuel 134 '' 'trap: OUT_OF_FUEL' --fuel 50000000 spin.wasm
t membomb-64MiB 134 '' $'malloc failed after 63 MiB\ntrap: UNREACHABLE' --max-memory 67108864 membomb.wasm
t recurse-unbounded 134 '' 'trap: STACK_OVERFLOW' recurse.wasm
t recurse-1000 0 $'returned from depth 1000\n' '' recurse.wasm 1000

# cgi (WAGI)
C="--env REQUEST_METHOD=GET --env GATEWAY_INTERFACE=CGI/1.1"
t cgi-hello 0 $'Content-Type: text/plain\n\nHello from WAGI GET /hello ?a=1&b=2\n' '' \
    $C --env PATH_INFO=/hello --env QUERY_STRING='a=1&b=2' cgi.wasm a=1 b=2
t cgi-root 0 $'Content-Type: text/plain\n\nHello from WAGI POST  ?\n' '' --env REQUEST_METHOD=POST cgi.wasm
t cgi-echo 0 $'Content-Type: application/octet-stream\n\nline1\n  two ' '' \
    $C --env PATH_INFO=/echo --stdin "$tmp/text" cgi.wasm
$RUN --env PATH_INFO=/echo --stdin "$tmp/stdin" cgi.wasm >"$tmp/out" 2>/dev/null </dev/null
if printf 'Content-Type: application/octet-stream\n\nline1\nbytes\0end' | cmp -s - "$tmp/out"; then passed=$((passed + 1)); echo "ok   cgi-echo-nul"; else failed=$((failed + 1)); echo "FAIL cgi-echo-nul"; fi
t cgi-missing 0 $'Status: 404 Not Found\nContent-Type: text/plain\n\nno such thing\n' '' $C --env PATH_INFO=/missing cgi.wasm
t cgi-redirect 0 $'Location: /apps/x/hello\n\n' '' $C --env PATH_INFO=/redirect cgi.wasm
t cgi-headers 0 $'Content-Type: text/plain\n\nHTTP_ACCEPT=*/*\nHTTP_USER_AGENT=curl/8\nHTTP_X_B=2\n' '' \
    $C --env PATH_INFO=/headers --env HTTP_X_B=2 --env HTTPS=on --env HTTP_USER_AGENT=curl/8 --env 'HTTP_ACCEPT=*/*' cgi.wasm
t cgi-argv 0 $'Content-Type: text/plain\n\n/apps/t/app a=1 b\n' '' $C --env PATH_INFO=/argv --argv0 /apps/t/app cgi.wasm a=1 b
t cgi-fail 1 $'Content-Type: text/plain\n\nfailing\n' '' $C --env PATH_INFO=/fail cgi.wasm
t cgi-unknown 0 $'Status: 500 Internal Server Error\nContent-Type: text/plain\n\nunknown path /nope\n' '' $C --env PATH_INFO=/nope cgi.wasm

# bench
t bench-fib25 0 $'fib(25)=75025\n' '' bench.wasm fib 25
t bench-sha1 0 $'fbbab289f7f94b25736c58be46a994c441fd02552cc6022352e3d86d2fab7c83\n' '' bench.wasm sha 1
t bench-sha0 0 $'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n' '' bench.wasm sha 0
t bench-usage 2 '' 'usage: bench fib N | bench sha N' bench.wasm

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
