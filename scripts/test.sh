#!/bin/sh
# Set up and run every test: installs what is missing, builds in build/ and
# runs ctest, printing each suite's output (Check's summary lines) and a
# final "N passed, N failed, N skipped" line. Extra arguments go to ctest
# (for example -L unit, or -R parser).
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh --dev
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
