#!/bin/sh
# The README's first command: sloeval's main job on a fresh machine.
# Installs what is missing (Debian packages), builds sloeval and the demo's
# data generator, then runs examples/demo/run.sh: six hours of checkout
# traffic in three regions (eu-west-1 burning its error budget), one
# Prometheus 2.42 per region on 127.0.0.1, `sloeval check` over them (the
# per-region and cross-region table), and the servers stopped again.
# Exit status: sloeval check's (1: eu-west-1 pages, as the data says).
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

exec examples/demo/run.sh "$@"
