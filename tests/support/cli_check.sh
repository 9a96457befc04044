# Shared by the command-line test scripts (tests/*/cli.sh), which source
# it after their own header: BIN is the sloeval binary (the script's
# first argument), $tmp a directory removed at exit, n and fails the
# counts that check and cli_summary keep.
set -u
BIN=$1
fails=0
n=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# check NAME WANT_STATUS WANT_STDOUT WANT_STDERR -- ARGS...
check() {
    name=$1 want_status=$2 want_out=$3 want_err=$4
    shift 5
    n=$((n + 1))
    "$BIN" "$@" >"$tmp/out" 2>"$tmp/err"
    status=$?
    out=$(cat "$tmp/out")
    err=$(cat "$tmp/err")
    if [ "$status" != "$want_status" ] || [ "$out" != "$want_out" ] || [ "$err" != "$want_err" ]; then
        fails=$((fails + 1))
        printf 'FAIL %s\n  status %s (want %s)\n  stdout: %s\n  want:   %s\n  stderr: %s\n  want:   %s\n' \
            "$name" "$status" "$want_status" "$out" "$want_out" "$err" "$want_err"
    fi
}

# cli_summary LABEL: "LABEL: N passed, N failed"; fails the script when any failed.
cli_summary() {
    echo "$1: $((n - fails)) passed, $fails failed"
    [ "$fails" -eq 0 ]
}
