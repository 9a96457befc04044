#!/bin/sh
# Install, with apt-get, the Debian packages sloeval needs to build and test
# that are not installed yet. Safe to run again: it installs nothing when
# everything is there. Usage: scripts/install-deps.sh [--dev | --demo]
#   (default) build + run:   compiler, cmake, pkg-config, libraries
#   --dev                    also what the tests use: Check, Prometheus 2.42
#                            (server and promtool), clang (fuzzing), valgrind,
#                            g++ and clang++ (header test), file, groff and
#                            man-db (man page and Debian package tests),
#                            locales (the de_DE source tests/text/locale.sh
#                            compiles with localedef)
#   --demo                   what scripts/demo.sh needs: also Check, python3
set -eu

pkgs="build-essential cmake pkg-config libcurl4-openssl-dev libjansson-dev libyaml-dev libpcre2-dev
prometheus"
if [ "${1:-}" = "--dev" ]; then
    pkgs="$pkgs check clang libclang-rt-dev valgrind python3 xmllint g++ file groff-base man-db locales"
elif [ "${1:-}" = "--demo" ]; then
    # scripts/demo.sh: the data generator builds with the tests (Check);
    # examples/demo/run.sh picks ports and polls readiness with python3
    pkgs="$pkgs check python3"
fi

missing=""
for p in $pkgs; do
    # xmllint comes from libxml2-utils
    [ "$p" = xmllint ] && p=libxml2-utils
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

echo "installing:$missing" >&2
SUDO=""
if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
        echo "install-deps: need root (or sudo) to install:$missing" >&2
        exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
# An index that is missing or stale makes install fail; refresh it then retry once.
# shellcheck disable=SC2086
if ! $SUDO apt-get install -y -q --no-install-recommends $missing >/dev/null; then
    $SUDO apt-get update -q >/dev/null
    $SUDO apt-get install -y -q --no-install-recommends $missing >/dev/null
fi
