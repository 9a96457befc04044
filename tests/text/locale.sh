#!/bin/sh
# Runs the check_locale.c program (argument 1) in de_DE.UTF-8, a comma-decimal locale,
# generated here with localedef into a private LOCPATH: no root needed, and
# nothing is installed. localedef comes with libc-bin; the locale sources
# (/usr/share/i18n) with Debian's `locales` package (scripts/install-deps.sh
# --dev installs it). Fails, never skips, when the locale cannot be made.
set -u
prog=$1
dir=$(mktemp -d "${TMPDIR:-/tmp}/sloeval-locale.XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT
if ! command -v localedef >/dev/null 2>&1; then
    echo "FAIL: localedef not found (Debian package libc-bin)"
    exit 1
fi
# localedef exits 1 for mere warnings; the files it wrote decide.
localedef -i de_DE -f UTF-8 "$dir/de_DE.UTF-8" >"$dir/log" 2>&1
if [ ! -f "$dir/de_DE.UTF-8/LC_NUMERIC" ]; then
    echo "FAIL: localedef -i de_DE -f UTF-8 made no locale (Debian package locales missing?):"
    cat "$dir/log"
    exit 1
fi
LOCPATH=$dir "$prog" de_DE.UTF-8
