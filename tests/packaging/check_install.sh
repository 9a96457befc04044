#!/bin/sh
# The install tree works for a C developer, without the build tree:
#   cmake --install BUILD --prefix P, then
#   - P holds exactly what sloeval installs (listed below, and printed);
#   - pkg-config: the embedding example (examples/embed) builds with a plain
#     compiler command and runs against P's shared library; a second prefix
#     without the shared library links it statically (pkg-config --static);
#   - CMake: the example's own CMakeLists.txt finds the package
#     (find_package(sloeval), CMAKE_PREFIX_PATH=P) and runs; a project
#     linking sloeval::sloeval_static builds and runs; asking for the next
#     major version fails;
#   - P/bin/sloeval --version and man -M P/share/man sloeval work.
# Usage: check_install.sh BUILD_DIR SOURCE_DIR VERSION LIBDIR WORK_DIR
set -eu
BUILD=$1 SRC=$2 VERSION=$3 LIBDIR=$4 WORK=$5
MAJOR=${VERSION%%.*}
CC=${CC:-cc}
rm -rf "$WORK"
mkdir -p "$WORK"
P=$WORK/prefix
fail() {
    echo "FAIL: $*"
    exit 1
}
ok() { echo "ok: $*"; }
# The build tree must not be what the consumers find.
export CMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
unset PKG_CONFIG_PATH LD_LIBRARY_PATH || true

cmake --install "$BUILD" --prefix "$P" >"$WORK/install.log" || {
    cat "$WORK/install.log"
    fail "cmake --install"
}

# 1. The tree: what is there, and nothing else.
(cd "$P" && find . \( -type f -o -type l \) | sed 's|^\./||' | LC_ALL=C sort) >"$WORK/tree.txt"
echo "install tree ($P):"
sed 's/^/  /' "$WORK/tree.txt"
{
    echo "bin/sloeval"
    echo "$LIBDIR/libsloeval.so.$VERSION"
    echo "$LIBDIR/libsloeval.so.$MAJOR"
    echo "$LIBDIR/libsloeval.so"
    echo "$LIBDIR/libsloeval.a"
    echo "$LIBDIR/pkgconfig/sloeval.pc"
    echo "$LIBDIR/cmake/sloeval/sloevalConfig.cmake"
    echo "$LIBDIR/cmake/sloeval/sloevalConfigVersion.cmake"
    echo "$LIBDIR/cmake/sloeval/sloevalTargets.cmake"
    (cd "$SRC" && ls include/sloeval.h include/sloeval/*.h)
    (cd "$SRC/examples/embed" && ls | sed 's|^|share/doc/sloeval/examples/|')
    echo "share/man/man1/sloeval.1.gz"
} | LC_ALL=C sort >"$WORK/expected.txt"
# sloevalTargets-<build type>.cmake: one per configuration built.
grep -v "^$LIBDIR/cmake/sloeval/sloevalTargets-[a-z]*\.cmake$" "$WORK/tree.txt" >"$WORK/tree-1.txt" || true
if ! diff -u "$WORK/expected.txt" "$WORK/tree-1.txt" >"$WORK/tree.diff"; then
    cat "$WORK/tree.diff"
    fail "the install tree differs from the expected list (- missing, + unexpected)"
fi
grep -q "^$LIBDIR/cmake/sloeval/sloevalTargets-[a-z]*\.cmake$" "$WORK/tree.txt" ||
    fail "no sloevalTargets-<config>.cmake"
[ "$(readlink "$P/$LIBDIR/libsloeval.so.$MAJOR")" = "libsloeval.so.$VERSION" ] ||
    fail "libsloeval.so.$MAJOR is not a link to libsloeval.so.$VERSION"
[ "$(readlink "$P/$LIBDIR/libsloeval.so")" = "libsloeval.so.$MAJOR" ] ||
    fail "libsloeval.so is not a link to libsloeval.so.$MAJOR"
readelf -d "$P/$LIBDIR/libsloeval.so.$VERSION" | grep -q "Library soname: \[libsloeval.so.$MAJOR\]" ||
    fail "the installed library's SONAME is not libsloeval.so.$MAJOR"
for h in $(cd "$SRC" && ls include/sloeval.h include/sloeval/*.h); do
    cmp -s "$SRC/$h" "$P/$h" || fail "$h is not installed as it is in the source"
done
ok "install tree: $(wc -l <"$WORK/tree.txt") files, as expected"

# 2. The command and its man page.
"$P/bin/sloeval" --version >"$WORK/version.txt" || fail "sloeval --version exits with $?"
head -1 "$WORK/version.txt" | grep -qx "sloeval $VERSION" || fail "sloeval --version: $(head -1 "$WORK/version.txt")"
for lib in libcurl jansson libyaml PCRE2; do
    grep -Eq "^$lib [0-9]+\.[0-9]+" "$WORK/version.txt" || fail "sloeval --version does not give $lib's version"
done
ok "$(tr '\n' ';' <"$WORK/version.txt")"
MANWIDTH=80 man -M "$P/share/man" sloeval 2>"$WORK/man.err" >"$WORK/man.txt" || fail "man -M P/share/man sloeval: $(cat "$WORK/man.err")"
grep -q "^EXIT STATUS" "$WORK/man.txt" || fail "man sloeval does not render"
ok "man -M $P/share/man sloeval renders $(wc -l <"$WORK/man.txt") lines"

# The example, copied out of the source tree so nothing can reach back into it.
cp -r "$SRC/examples/embed" "$WORK/embed-src"
run_example() { # name, binary: runs it and checks what it printed
    rc=0
    "$2" >"$WORK/$1.out" 2>&1 || rc=$?
    if [ "$rc" -ne 0 ]; then
        cat "$WORK/$1.out"
        fail "$1: the example exits with $rc"
    fi
    head -1 "$WORK/$1.out" | grep -qx "libsloeval $VERSION (built with headers $VERSION)" ||
        fail "$1: the example printed: $(head -1 "$WORK/$1.out")"
    grep -q "^checkout-availability: objective 99.9%" "$WORK/$1.out" || fail "$1: no SLO printed"
}

# 3. pkg-config and a plain compiler command.
export PKG_CONFIG_PATH="$P/$LIBDIR/pkgconfig"
[ "$(pkg-config --modversion sloeval)" = "$VERSION" ] || fail "pkg-config --modversion sloeval: $(pkg-config --modversion sloeval)"
pkg-config --print-requires-private sloeval | awk '{print $1}' | LC_ALL=C sort | tr '\n' ' ' >"$WORK/requires.txt"
[ "$(cat "$WORK/requires.txt")" = "jansson libcurl libpcre2-8 yaml-0.1 " ] ||
    fail "Requires.private: $(cat "$WORK/requires.txt")"
pkg-config --cflags sloeval | grep -q -- "-I$P/include" || fail "pkg-config --cflags: $(pkg-config --cflags sloeval)"
# shellcheck disable=SC2046
$CC -std=c11 -Wall -Wextra -pedantic -Werror -o "$WORK/embed-pc" "$WORK/embed-src/embed.c" \
    $(pkg-config --cflags --libs sloeval) || fail "cc embed.c \$(pkg-config --cflags --libs sloeval)"
LD_LIBRARY_PATH="$P/$LIBDIR" ldd "$WORK/embed-pc" | grep -q "libsloeval.so.$MAJOR => $P/$LIBDIR/" ||
    fail "the pkg-config build does not load $P/$LIBDIR/libsloeval.so.$MAJOR"
export LD_LIBRARY_PATH="$P/$LIBDIR"
run_example embed-pc "$WORK/embed-pc"
unset LD_LIBRARY_PATH
ok "pkg-config: cc embed.c \$(pkg-config --cflags --libs sloeval) builds and runs on $P/$LIBDIR/libsloeval.so.$MAJOR"

# Static: a second prefix (its sloeval.pc must name it) without the shared
# library. libsloeval.a goes in whole, its dependencies stay shared (Debian
# ships no static libcurl dependencies, so `pkg-config --static` cannot be
# linked as such; it must still name every library libsloeval.a needs).
P2=$WORK/prefix-static
cmake --install "$BUILD" --prefix "$P2" >/dev/null
rm -f "$P2/$LIBDIR"/libsloeval.so*
grep -qx "prefix=$P2" "$P2/$LIBDIR/pkgconfig/sloeval.pc" || fail "sloeval.pc in $P2 does not name its prefix"
export PKG_CONFIG_PATH="$P2/$LIBDIR/pkgconfig"
static_libs=$(pkg-config --static --libs sloeval)
for l in -lsloeval -lcurl -ljansson -lyaml -lpcre2-8 -lm -pthread; do
    case " $static_libs " in *" $l "*) ;; *) fail "pkg-config --static --libs sloeval lacks $l: $static_libs" ;; esac
done
# shellcheck disable=SC2046
$CC -std=c11 -Wall -Wextra -pedantic -Werror -o "$WORK/embed-static" "$WORK/embed-src/embed.c" \
    $(pkg-config --cflags --libs sloeval) $(pkg-config --libs $(pkg-config --print-requires-private sloeval)) \
    -pthread -lm || fail "cc embed.c with libsloeval.a"
unset PKG_CONFIG_PATH
! ldd "$WORK/embed-static" | grep -q libsloeval || fail "the static build still needs libsloeval.so"
run_example embed-static "$WORK/embed-static"
ok "pkg-config: libsloeval.a with its Requires.private links and runs"

# 4. CMake: the example's own project, find_package(sloeval) from P.
unset PKG_CONFIG_PATH
cmake -S "$WORK/embed-src" -B "$WORK/embed-cmake" -DCMAKE_PREFIX_PATH="$P" \
    -DCMAKE_C_FLAGS="-Wall -Wextra -pedantic -Werror" >"$WORK/cmake.log" 2>&1 &&
    cmake --build "$WORK/embed-cmake" >>"$WORK/cmake.log" 2>&1 || {
    cat "$WORK/cmake.log"
    fail "examples/embed with find_package(sloeval)"
}
grep -q "sloeval_DIR:PATH=$P/$LIBDIR/cmake/sloeval" "$WORK/embed-cmake/CMakeCache.txt" ||
    fail "find_package(sloeval) did not find $P: $(grep sloeval_DIR "$WORK/embed-cmake/CMakeCache.txt")"
ldd "$WORK/embed-cmake/embed" | grep -q "libsloeval.so.$MAJOR => $P/$LIBDIR/" ||
    fail "the CMake build does not load $P/$LIBDIR/libsloeval.so.$MAJOR"
run_example embed-cmake "$WORK/embed-cmake/embed"
ok "CMake: examples/embed (find_package(sloeval), sloeval::sloeval) builds and runs"

# The static target carries its dependencies; versions are checked.
mkdir -p "$WORK/static-src"
cp "$WORK/embed-src/embed.c" "$WORK/static-src/"
cat >"$WORK/static-src/CMakeLists.txt" <<EOF
cmake_minimum_required(VERSION 3.16)
project(embed_static C)
find_package(sloeval $VERSION EXACT REQUIRED)
message(STATUS "sloeval_VERSION=\${sloeval_VERSION}")
add_executable(embed embed.c)
target_link_libraries(embed PRIVATE sloeval::sloeval_static)
EOF
cmake -S "$WORK/static-src" -B "$WORK/static-cmake" -DCMAKE_PREFIX_PATH="$P" >"$WORK/cmake-static.log" 2>&1 &&
    cmake --build "$WORK/static-cmake" >>"$WORK/cmake-static.log" 2>&1 || {
    cat "$WORK/cmake-static.log"
    fail "a project linking sloeval::sloeval_static"
}
grep -q "sloeval_VERSION=$VERSION" "$WORK/cmake-static.log" || fail "sloeval_VERSION is not $VERSION"
! ldd "$WORK/static-cmake/embed" | grep -q libsloeval || fail "sloeval::sloeval_static links the shared library"
run_example embed-cmake-static "$WORK/static-cmake/embed"
ok "CMake: sloeval::sloeval_static finds its dependencies, builds and runs; sloeval_VERSION=$VERSION"

mkdir -p "$WORK/next-src"
cat >"$WORK/next-src/CMakeLists.txt" <<EOF
cmake_minimum_required(VERSION 3.16)
project(next C)
find_package(sloeval $((MAJOR + 1)) REQUIRED)
EOF
if cmake -S "$WORK/next-src" -B "$WORK/next-cmake" -DCMAKE_PREFIX_PATH="$P" >"$WORK/cmake-next.log" 2>&1; then
    fail "find_package(sloeval $((MAJOR + 1))) accepted version $VERSION"
fi
grep -q "sloevalConfig.cmake, version: $VERSION" "$WORK/cmake-next.log" ||
    fail "find_package(sloeval $((MAJOR + 1))) failed for another reason: $(cat "$WORK/cmake-next.log")"
ok "CMake: find_package(sloeval $((MAJOR + 1))) refuses $VERSION (same major version only)"
rm -rf "$WORK"
