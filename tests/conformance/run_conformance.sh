#!/bin/sh
# Conformance: run `sloeval test` over Prometheus's own PromQL test scripts
# (the shared promql-testdata folder, never copied into the repository) and
# require 0 failed cases. Prints the per-file counts, the final
# "N passed, N failed, N skipped" line and the most frequent skip reasons.
#
# usage: run_conformance.sh SLOEVAL SHARED_DIR v2|v3 SUBDIR [EXCLUDED_FILE...]
# Exit: 0 all cases passed or skipped; 1 a case failed or the run broke;
#       77 (ctest: skipped) when the shared folder is absent.
set -u
sloeval=$1 shared=$2 compat=$3 sub=$4
shift 4
dir="$shared/promql-testdata/$sub"
if [ ! -d "$dir" ]; then
    echo "conformance $compat: $dir is absent (a fresh clone has no ../shared): skipped"
    exit 77
fi
files=""
for f in "$dir"/*.test; do
    base=$(basename "$f")
    skip=""
    for x in "$@"; do [ "$base" = "$x" ] && skip=1; done
    if [ -n "$skip" ]; then
        echo "excluded (needs a server feature flag): $base"
    else
        files="$files $f"
    fi
done
out=$(mktemp)
# shellcheck disable=SC2086
"$sloeval" test --compat "$compat" --verbose $files >"$out" 2>&1
rc=$?
grep -v -E '^(SKIP|PASS) ' "$out"
echo "top skip reasons:"
grep -E '^SKIP ' "$out" | sed -E 's/^SKIP [^ ]+ //; s/ at [0-9]+:[0-9]+$//; s/ samples of .*/ samples/' | sort | uniq -c | sort -rn | head -12
last=$(tail -n 1 "$out")
rm -f "$out"
case "$last" in
*" 0 failed,"*) [ "$rc" -eq 0 ] && exit 0 ;;
esac
echo "conformance $compat: FAILED (exit $rc): $last"
exit 1
