#!/bin/sh
# Run every unit suite, the HTTP fault tests (library and CLI), and the CLI
# on a few real jobs, under valgrind (memcheck, leaks included) in a Debug
# build with SLOEVAL_ARENA_DEBUG, where every arena allocation is its own
# malloc block so memcheck sees each one.
# Prints one line per program and a final "valgrind: N passed, N failed".
set -eu
cd "$(dirname "$0")/.."
BUILD=${SLOEVAL_VALGRIND_BUILD_DIR:-build-valgrind}
cmake -S . -B "$BUILD" -DSLOEVAL_ARENA_DEBUG=ON -DCMAKE_BUILD_TYPE=Debug -DSLOEVAL_WERROR=ON \
    -DSLOEVAL_BUILD_BENCH=OFF -DSLOEVAL_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$BUILD" -j"$(nproc)" >/dev/null

# Check runs tests in-process (no fork) so valgrind follows them; time
# bounds in the tests widen by this factor under valgrind's slowdown.
export CK_FORK=no SLOEVAL_TEST_TIME_SCALE=5
VG="valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect -q"
passed=0
failed=0
run() {
    name=$1
    shift
    log="$BUILD/valgrind-$name.log"
    if $VG "$@" >"$log" 2>&1; then
        passed=$((passed + 1))
        echo "ok      $name"
    else
        failed=$((failed + 1))
        echo "FAILED  $name (log: $log)"
        tail -20 "$log"
    fi
}

for t in "$BUILD"/tests/check_*; do
    run "$(basename "$t")" "$t"
done

# The fault matrices: the library against the misbehaving server, and the
# CLI against it; then sloeval check against real Prometheus servers. Each
# sloeval these tests start runs under valgrind too (SLOEVAL_TEST_VALGRIND).
run integration_http_faults "$BUILD/tests/integration_http_faults"
export SLOEVAL_TEST_VALGRIND=1
run cli_query "$BUILD/tests/cli_query"
run check_slo_check "$BUILD/tests/checktest_slo_check"
unset SLOEVAL_TEST_VALGRIND

# The CLI on real work: parse, an in-memory query, a conformance script.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$BUILD/tests/sloeval-gendata" --seed 7 --duration 1h --output "$tmp/data.om" >/dev/null
cli="$BUILD/bin/sloeval"
run cli_parse "$cli" parse --output json 'sum by (region) (rate(http_requests_total{status=~"5.."}[5m])) / ignoring(status) sum by (region) (rate(http_requests_total[5m])) > 0.01'
run cli_query_data "$cli" query --data "$tmp/data.om" --time 2024-01-01T00:50:00Z --output json 'sum by (region) (rate(http_requests_total{status=~"5.."}[5m])) / sum by (region) (rate(http_requests_total[5m]))'
shared=${SLOEVAL_SHARED_DIR:-../shared}
if [ -f "$shared/promql-testdata/v2.42/operators.test" ]; then
    run cli_test_v2 "$cli" test --compat v2 "$shared/promql-testdata/v2.42/operators.test"
fi

echo "valgrind: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
