#!/bin/sh
# Set up and run every test: installs what is missing, builds in build/ and
# runs ctest, printing each suite's output (Check's summary lines) and a
# final "N passed, N failed, N skipped" line. Extra arguments go to ctest
# (for example -L unit, or -R parser).
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh --dev
# The real backends (Prometheus 3.x, Thanos, Mimir) are built from their Go
# modules when Go is present, once: later runs reuse the cache outside the
# tree (scripts/build-backends.sh). SLOEVAL_SKIP_BACKENDS=1 skips the build;
# without Go, or when a build fails, the backend suites say SKIPPED and why.
if [ -z "${SLOEVAL_SKIP_BACKENDS:-}" ]; then
    bstatus=0
    mkdir -p "${SLOEVAL_BUILD_DIR:-build}"
    SLOEVAL_BACKENDS_JOBS=${SLOEVAL_BACKENDS_JOBS:-$(nproc)} scripts/build-backends.sh >"${SLOEVAL_BUILD_DIR:-build}/build-backends.log" 2>&1 \
        || bstatus=$?
    case $bstatus in
    0) ;;
    3) echo "backends: no Go on this machine: the backend suites will be skipped" ;;
    *) echo "backends: scripts/build-backends.sh failed (exit $bstatus, see ${SLOEVAL_BUILD_DIR:-build}/build-backends.log): the backend suites will be skipped" ;;
    esac
fi
BUILD=${SLOEVAL_BUILD_DIR:-build}
cmake -S . -B "$BUILD" -DSLOEVAL_BUILD_TESTS=ON -DSLOEVAL_WERROR=ON ${SLOEVAL_CMAKE_ARGS:-} >/dev/null
cmake --build "$BUILD" -j"$(nproc)" >/dev/null
cd "$BUILD"
status=0
ctest --output-on-failure -V "$@" >ctest.log 2>&1 || status=$?
# Keep the suites' own result lines and ctest's verdicts, not every line.
# A skipped suite prints its reason as "SKIPPED: ..." (e.g. the backend tests
# without scripts/build-backends.sh, the conformance suites without ../shared).
grep -E '^[0-9]+: (Running suite|[0-9]+%: Checks|.*[0-9]+ passed, [0-9]+ failed|SKIPPED:)|Test +#[0-9]+:|tests passed|tests failed|\*\*\*' ctest.log \
    | sed -E 's/^[0-9]+: //' || true
passed=$(grep -cE 'Test +#[0-9]+: .* Passed' ctest.log || true)
skipped=$(grep -cE 'Test +#[0-9]+: .*Skipped' ctest.log || true)
failed=$(grep -E 'Test +#[0-9]+: ' ctest.log | grep -cvE 'Passed|Skipped' || true)
echo "ctest: $passed passed, $failed failed, $skipped skipped"
[ "$status" -eq 0 ] || echo "full log: $BUILD/ctest.log"
exit "$status"
