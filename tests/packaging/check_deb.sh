#!/bin/sh
# The Debian packages: cpack -G DEB makes libsloeval<MAJOR>, libsloeval-dev
# and sloeval, and
#   - together they hold exactly the files of `cmake --install` (under /usr),
#     each file in one package, with the right names, sections and links;
#   - every shared library an ELF file of a package needs comes from a
#     package that the package Depends on (so it installs and runs on a
#     fresh Debian machine), the library package has a shlibs file and runs
#     ldconfig, libsloeval-dev depends on the library at the same version
#     and on what sloeval.pc and sloevalConfig.cmake look up;
#   - unpacked into a throwaway root (dpkg -x, nothing touches the system),
#     usr/bin/sloeval runs, its man page renders, and the embedding example
#     builds against the unpacked -dev package (pkg-config with a sysroot,
#     and CMake) and runs on the unpacked library.
# Usage: check_deb.sh BUILD_DIR SOURCE_DIR VERSION LIBDIR WORK_DIR
set -eu
BUILD=$1 SRC=$2 VERSION=$3 LIBDIR=$4 WORK=$5
MAJOR=${VERSION%%.*}
CC=${CC:-cc}
ARCH=$(dpkg --print-architecture)
rm -rf "$WORK"
mkdir -p "$WORK"
fail() {
    echo "FAIL: $*"
    exit 1
}
ok() { echo "ok: $*"; }
export CMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
unset PKG_CONFIG_PATH LD_LIBRARY_PATH || true

cpack -G DEB --config "$BUILD/CPackConfig.cmake" -B "$WORK/pkg" >"$WORK/cpack.log" 2>&1 || {
    cat "$WORK/cpack.log"
    fail "cpack -G DEB"
}
LIB=$WORK/pkg/libsloeval${MAJOR}_${VERSION}_$ARCH.deb
DEV=$WORK/pkg/libsloeval-dev_${VERSION}_$ARCH.deb
CLI=$WORK/pkg/sloeval_${VERSION}_$ARCH.deb
for deb in "$LIB" "$DEV" "$CLI"; do
    [ -f "$deb" ] || fail "cpack did not make $(basename "$deb"): $(ls "$WORK/pkg")"
    echo "$(basename "$deb"):"
    dpkg-deb -f "$deb" Package Version Architecture Section Depends | sed 's/^/  /'
    dpkg-deb -c "$deb" | awk '$1 !~ /^d/ {print "  " $6 ($7 ? " " $7 " " $8 : "")}'
done
field() { dpkg-deb -f "$1" "$2"; }
[ "$(field "$LIB" Section)" = libs ] || fail "libsloeval$MAJOR: Section $(field "$LIB" Section)"
[ "$(field "$DEV" Section)" = libdevel ] || fail "libsloeval-dev: Section $(field "$DEV" Section)"
for deb in "$LIB" "$DEV" "$CLI"; do
    [ "$(field "$deb" Version)" = "$VERSION" ] || fail "$(basename "$deb"): Version $(field "$deb" Version)"
done

# Contents: the union of the three is the install tree, each file once.
cmake --install "$BUILD" --prefix "$WORK/tree" >/dev/null
(cd "$WORK/tree" && find . \( -type f -o -type l \) | sed 's|^\./|usr/|' | LC_ALL=C sort) >"$WORK/tree.txt"
for deb in "$LIB" "$DEV" "$CLI"; do
    dpkg-deb -c "$deb" | awk '$1 !~ /^d/ {print $6}' | sed 's|^\./||'
done | LC_ALL=C sort >"$WORK/debs.txt"
if ! diff -u "$WORK/tree.txt" "$WORK/debs.txt"; then
    fail "the packages' files differ from cmake --install's (- only installed, + only packaged, or twice)"
fi
dpkg-deb -c "$LIB" | awk '$1 !~ /^d/ {print $6, $8}' >"$WORK/lib.txt"
grep -qx "./usr/$LIBDIR/libsloeval.so.$VERSION " "$WORK/lib.txt" &&
    grep -qx "./usr/$LIBDIR/libsloeval.so.$MAJOR libsloeval.so.$VERSION" "$WORK/lib.txt" &&
    [ "$(wc -l <"$WORK/lib.txt")" -eq 2 ] || fail "libsloeval$MAJOR must hold the library and its SONAME link only"
dpkg-deb -c "$DEV" | grep "\./usr/$LIBDIR/libsloeval.so -> libsloeval.so.$MAJOR\$" >/dev/null ||
    fail "libsloeval-dev must hold the libsloeval.so link"
ok "contents: $(wc -l <"$WORK/debs.txt") files, exactly the install tree, each in one package"

# Control data.
dpkg-deb -e "$LIB" "$WORK/lib-control"
grep -qx "libsloeval $MAJOR libsloeval$MAJOR (>= $VERSION)" "$WORK/lib-control/shlibs" ||
    fail "libsloeval$MAJOR: shlibs is '$(cat "$WORK/lib-control/shlibs" 2>/dev/null)'"
grep -q ldconfig "$WORK/lib-control/postinst" || fail "libsloeval$MAJOR does not run ldconfig"
dev_depends=$(field "$DEV" Depends)
for d in "libsloeval$MAJOR (= $VERSION)" "libcurl4-openssl-dev | libcurl-dev" libjansson-dev libyaml-dev \
    libpcre2-dev pkg-config; do
    case ", $dev_depends," in *", $d,"*) ;; *) fail "libsloeval-dev does not depend on $d: $dev_depends" ;; esac
done
ok "libsloeval$MAJOR: shlibs and ldconfig; libsloeval-dev depends on $dev_depends"

# Every library an ELF file needs is provided by a package it depends on.
for deb in "$LIB" "$CLI"; do
    name=$(field "$deb" Package)
    rm -rf "$WORK/x"
    dpkg -x "$deb" "$WORK/x"
    depends=$(field "$deb" Depends)
    found=0
    for f in $(find "$WORK/x" -type f); do
        file -b "$f" | grep -q '^ELF' || continue
        found=$((found + 1))
        for so in $(readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
            path=$(ldconfig -p | awk -v so="$so" '$1 == so && /x86-64|AArch64|64bit/ {print $NF; exit}')
            [ -n "$path" ] || path=$(ldconfig -p | awk -v so="$so" '$1 == so {print $NF; exit}')
            [ -n "$path" ] || fail "$name: $(basename "$f") needs $so, which this machine does not have"
            owner=""
            real=$(readlink -f "$path")
            # With merged /usr, dpkg may know the file under /lib or under /usr/lib.
            for p in "$path" "$real" "${real#/usr}" "/usr$path"; do
                [ -n "$owner" ] || owner=$(dpkg -S "$p" 2>/dev/null | sed -n '1s/:.*//p')
            done
            [ -n "$owner" ] || fail "$name: no package owns $path ($so)"
            case ", $depends," in *", $owner "* | *", $owner,"*) ;;
            *) fail "$name: $(basename "$f") needs $so from $owner, which is not in Depends: $depends" ;;
            esac
        done
    done
    [ "$found" -gt 0 ] || fail "$name holds no ELF file"
    ok "$name: every NEEDED library comes from its Depends ($depends)"
done

# Unpacked into a throwaway root.
R=$WORK/root
for deb in "$LIB" "$DEV" "$CLI"; do dpkg -x "$deb" "$R"; done
"$R/usr/bin/sloeval" --version >"$WORK/version.txt" || fail "usr/bin/sloeval --version exits with $?"
head -1 "$WORK/version.txt" | grep -qx "sloeval $VERSION" || fail "usr/bin/sloeval --version: $(head -1 "$WORK/version.txt")"
MANWIDTH=80 man -l "$R/usr/share/man/man1/sloeval.1.gz" 2>&1 | grep -q "^EXIT STATUS" ||
    fail "the packaged man page does not render"
ok "unpacked: usr/bin/sloeval runs ($(head -1 "$WORK/version.txt")), man page renders"

export PKG_CONFIG_SYSROOT_DIR="$R" PKG_CONFIG_PATH="$R/usr/$LIBDIR/pkgconfig"
# shellcheck disable=SC2046
$CC -std=c11 -Wall -Wextra -pedantic -Werror -o "$WORK/embed-pc" "$SRC/examples/embed/embed.c" \
    $(pkg-config --cflags --libs sloeval) || fail "the example against the unpacked libsloeval-dev (pkg-config)"
unset PKG_CONFIG_SYSROOT_DIR PKG_CONFIG_PATH
LD_LIBRARY_PATH="$R/usr/$LIBDIR" ldd "$WORK/embed-pc" | grep -q "libsloeval.so.$MAJOR => $R/usr/$LIBDIR/" ||
    fail "the example does not load the unpacked library"
LD_LIBRARY_PATH="$R/usr/$LIBDIR" "$WORK/embed-pc" | head -1 | grep -qx "libsloeval $VERSION (built with headers $VERSION)" ||
    fail "the example (pkg-config) does not run on the unpacked library"
cp -r "$SRC/examples/embed" "$WORK/embed-src"
cmake -S "$WORK/embed-src" -B "$WORK/embed-cmake" -DCMAKE_PREFIX_PATH="$R/usr" >"$WORK/cmake.log" 2>&1 &&
    cmake --build "$WORK/embed-cmake" >>"$WORK/cmake.log" 2>&1 || {
    cat "$WORK/cmake.log"
    fail "the example against the unpacked libsloeval-dev (CMake)"
}
"$WORK/embed-cmake/embed" | head -1 | grep -qx "libsloeval $VERSION (built with headers $VERSION)" ||
    fail "the example (CMake) does not run on the unpacked library"
ok "unpacked: the example builds against libsloeval-dev (pkg-config and CMake) and runs on libsloeval$MAJOR"
rm -rf "$WORK"
