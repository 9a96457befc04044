#!/bin/sh
# The README's first command: sloeval's main job on a fresh machine.
# Installs what is missing (Debian packages), builds sloeval and the demo's
# data generator, then runs examples/demo/run.sh: six hours of checkout
# traffic in three regions (eu-west-1 burning its error budget), one
# Prometheus 2.42 per region on 127.0.0.1, `sloeval check` over them (the
# per-region and cross-region table), and the servers stopped again.
# Exit status: 0 when `sloeval check` gave the answer the data calls for
# (its exit status 1: eu-west-1 pages); otherwise check's own status (2
# usage/config, 3 inconclusive, 0 nothing fired) or the step that failed.
# Arguments go to examples/demo/run.sh (--keep, --out DIR, --data-only).
set -eu
cd "$(dirname "$0")/.."
echo "== dependencies: scripts/install-deps.sh --demo"
scripts/install-deps.sh --demo
echo "== build: build/bin/sloeval and build/tests/sloeval-gendata"
mkdir -p build
cmake -S . -B build >build/demo-build.log 2>&1 || { cat build/demo-build.log; exit 2; }
cmake --build build -j"$(nproc)" --target sloeval_cli sloeval_gendata >>build/demo-build.log 2>&1 ||
    { tail -40 build/demo-build.log; exit 2; }

status=0
examples/demo/run.sh "$@" || status=$?
case " $* " in *" --data-only "*) exit "$status" ;; esac
if [ "$status" -eq 1 ]; then
    echo "demo: ok: sloeval check exited 1 (an SLO fires), as the demo data calls for"
    exit 0
fi
echo "demo: sloeval check exited $status, expected 1 (eu-west-1 pages)" >&2
exit "$status"
