#!/usr/bin/env bash
# Runs infer.wasm with wasmtime (model/ preopened read-only as /model) and checks the
# outputs recorded in README.md. Ends with "N passed, N failed".
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
python3 -c 'import wasmtime' 2>/dev/null ||
    pip install -q wasmtime==50.0.1 2>/dev/null || pip install -q --break-system-packages wasmtime==50.0.1
RUN="python3 $here/../../Fixtures/wasm/run_wasmtime.py"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0

# t NAME EXIT_CODE STDOUT BODY [runner options]   (BODY goes to stdin)
t() {
    local name="$1" want_rc="$2" want="$3"
    printf '%s' "$4" >"$tmp/in"
    shift 4
    $RUN --stdin "$tmp/in" "$@" infer.wasm >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    if [ "$rc" = "$want_rc" ] && printf '%s' "$want" | cmp -s - "$tmp/out"; then
        passed=$((passed + 1)); echo "ok   $name"
    else
        failed=$((failed + 1)); echo "FAIL $name: exit $rc (want $want_rc)"
        sed 's/^/  got: /' "$tmp/out" "$tmp/err"
    fi
}
M="--dir model::/model"
SETOSA='{"class":"setosa","probabilities":{"setosa":0.9955,"versicolor":0.0045,"virginica":0.0000}}'
VERSI='{"class":"versicolor","probabilities":{"setosa":0.0022,"versicolor":0.9012,"virginica":0.0967}}'
VIRGI='{"class":"virginica","probabilities":{"setosa":0.0000,"versicolor":0.0008,"virginica":0.9992}}'
J=$'Content-Type: application/json\n\n'
BAD=$'Status: 400 Bad Request\nContent-Type: application/json\n\n'

t cmd-3-rows 0 "$SETOSA"$'\n'"$VERSI"$'\n'"$VIRGI"$'\n' $'5.1,3.5,1.4,0.2\n6.4,3.2,4.5,1.5\n\n6.3,3.3,6.0,2.5\n' $M
t cmd-bad-row 1 "$SETOSA"$'\n{"error":"expected 4 features, got 3"}\n' $'5.1, 3.5, 1.4, 0.2\n1,2,3\n' $M
t cmd-no-model 2 '' $'1,2,3,4\n'
t cmd-model-path 0 "$SETOSA"$'\n' $'5.1,3.5,1.4,0.2\n' --dir model::/m --env MODEL_PATH=/m/weights.txt
t wagi-summary 0 "$J"'{"model":"iris-classifier-1.0.0","kind":"multinomial logistic regression","classes":["setosa","versicolor","virginica"],"features":["sepal_length","sepal_width","petal_length","petal_width"]}'$'\n' '' \
    $M --env REQUEST_METHOD=GET
t wagi-csv 0 "$J$SETOSA"$'\n' '5.1,3.5,1.4,0.2' $M --env REQUEST_METHOD=POST --env CONTENT_LENGTH=15
t wagi-json 0 "$J$VERSI"$'\n' '{"features": [6.4, 3.2, 4.5, 1.5]}' $M --env REQUEST_METHOD=POST --env CONTENT_LENGTH=35
t wagi-json-virginica 0 "$J$VIRGI"$'\n' '{"features":[6.3,3.3,6.0,2.5]}' $M --env REQUEST_METHOD=POST
t wagi-bad-json 0 "$BAD"$'{"error":"JSON body needs a \\"features\\" array"}\n' '{"x":[1,2,3,4]}' $M --env REQUEST_METHOD=POST
t wagi-bad-csv 0 "$BAD"$'{"error":"expected 4 comma-separated numbers"}\n' 'hello' $M --env REQUEST_METHOD=POST --env CONTENT_LENGTH=5
t wagi-too-many 0 "$BAD"$'{"error":"expected 4 features, got more"}\n' '1,2,3,4,5' $M --env REQUEST_METHOD=POST
t wagi-empty-post 0 "$BAD"$'{"error":"empty body: send features as CSV or {\\"features\\":[...]}"}\n' '' $M --env REQUEST_METHOD=POST
t wagi-no-model 0 $'Status: 500 Internal Server Error\nContent-Type: application/json\n\n{"error":"cannot open model /model/weights.txt: Capabilities insufficient"}\n' '' --env REQUEST_METHOD=GET

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
