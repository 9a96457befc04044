#!/bin/sh
# Build the real backends the backend tests run against (Prometheus 3.x with
# its promtool, Thanos, Mimir) from their Go modules, at the versions pinned
# in tests/backends/versions.env, into a cache outside the source tree:
#   ${SLOEVAL_BACKENDS_CACHE:-$HOME/.cache/sloeval-backends}/<name>-<version>/
# A backend whose folder is complete is not built again; a new version gets a
# new folder. Only the HTTP APIs are needed: Prometheus is built without the
# `builtinassets` tag, so no web UI (npm) build is involved, and with
# `remove_all_sd` (no cloud service discovery: the tests scrape nothing).
#
# Usage: scripts/build-backends.sh [--check] [prometheus] [thanos] [mimir]
#   (no name)  every backend
#   --check    build nothing; exit 0 when every named backend is built, 1 if not
# Environment: SLOEVAL_BACKENDS_CACHE (the cache folder), SLOEVAL_BACKENDS_JOBS
# (go build -p, default 1: the build runs under nice and leaves the CPU to
# others), GO (the go command; default: go on PATH, else /usr/local/go/bin/go).
# Exit: 0 built (or already there), 1 a build failed, 2 usage, 3 no Go.
set -eu
cd "$(dirname "$0")/.."
root=$(pwd)
. "$root/tests/backends/versions.env"
cache=${SLOEVAL_BACKENDS_CACHE:-${HOME:-/root}/.cache/sloeval-backends}
jobs=${SLOEVAL_BACKENDS_JOBS:-1}

check=0
names=""
for a in "$@"; do
    case $a in
    --check) check=1 ;;
    prometheus | thanos | mimir) names="$names $a" ;;
    *)
        echo "build-backends: unknown argument '$a' (expected --check, prometheus, thanos, mimir)" >&2
        exit 2
        ;;
    esac
done
[ -n "$names" ] || names="prometheus thanos mimir"

# What each backend is: module, version, commands (package:binary).
describe() {
    case $1 in
    prometheus)
        module=$PROMETHEUS_MODULE version=$PROMETHEUS_VERSION
        cmds="cmd/prometheus:prometheus cmd/promtool:promtool"
        # Module v0.3XX.Y is release 3.XX.Y: what its buildinfo reports.
        release=$(echo "$version" | sed -E 's/^v0\.3([0-9][0-9])\.([0-9]+)$/3.\1.\2/; s/^3\.0([0-9])/3.\1/')
        # No service discovery but static and file (its plugins/ build tags):
        # the tests scrape nothing, and the cloud SDKs are most of the build.
        tags=remove_all_sd
        ;;
    thanos)
        module=$THANOS_MODULE version=$THANOS_VERSION
        cmds="cmd/thanos:thanos"
        # Thanos's own builds (.promu.yml) use slicelabels: its protobuf code
        # casts labels.Labels to its own label slices, and with the default
        # stringlabels the sidecar panics on its first Info call.
        release=${version#v} tags=slicelabels
        ;;
    mimir)
        module=$MIMIR_MODULE version=$MIMIR_VERSION
        cmds="cmd/mimir:mimir"
        release=$version tags=
        ;;
    esac
    dir=$cache/$1-$version
}

# The first line of .complete: bumped when the way of building changes, so
# that older builds are redone; the build tags are part of it.
stamp_base="sloeval-build-backends 2"

built() {
    stamp="$stamp_base tags=$tags"
    [ -f "$dir/.complete" ] && [ "$(head -n 1 "$dir/.complete")" = "$stamp" ] || return 1
    for c in $cmds; do
        [ -x "$dir/${c#*:}" ] || return 1
    done
}

if [ "$check" = 1 ]; then
    status=0
    for n in $names; do
        describe "$n"
        if built; then echo "$n $version: $dir"; else
            echo "$n $version: not built (scripts/build-backends.sh $n)"
            status=1
        fi
    done
    exit "$status"
fi

GO=${GO:-}
if [ -z "$GO" ]; then
    if command -v go >/dev/null 2>&1; then GO=go; elif [ -x /usr/local/go/bin/go ]; then
        GO=/usr/local/go/bin/go
    else
        echo "build-backends: no Go toolchain (go on PATH or /usr/local/go/bin/go): nothing built" >&2
        exit 3
    fi
fi
# Never fetch another toolchain: build with the installed one or fail.
export GOTOOLCHAIN=local GOFLAGS=${GOFLAGS:-}

status=0
for n in $names; do
    describe "$n"
    if built; then
        echo "build-backends: $n $version already built in $dir"
        continue
    fi
    moddir=$root/tests/backends/$n
    # The go.mod must require the version pinned in versions.env.
    have=$(cd "$moddir" && "$GO" list -m -f '{{.Version}}' "$module" 2>&1) || {
        echo "build-backends: $n: cannot read $moddir/go.mod: $have" >&2
        status=1
        continue
    }
    if [ "$have" != "$version" ]; then
        echo "build-backends: $n: tests/backends/$n/go.mod requires $module $have, versions.env pins $version;" \
            "update it with: (cd tests/backends/$n && go get -tool $module/${cmds%%:*}@$version && go mod tidy)" >&2
        status=1
        continue
    fi
    pkgs=""
    for c in $cmds; do pkgs="$pkgs $module/${c%%:*}"; done
    mkdir -p "$cache"
    tmp=$(mktemp -d "$cache/.$n-$version.XXXXXX")
    chmod 755 "$tmp"
    echo "build-backends: building $n $version ($pkgs ) into $dir"
    t0=$(date +%s)
    # The version their /api/v1/status/buildinfo reports, set as their own
    # release builds set it (sloeval's --compat auto reads it).
    v=github.com/prometheus/common/version
    ldflags="-X $v.Version=$release -X $v.Revision=$module@$version -X $v.Branch=module"
    ldflags="$ldflags -X $v.BuildUser=sloeval-build-backends"
    # shellcheck disable=SC2086
    if (cd "$moddir" && nice -n 19 "$GO" build -p "$jobs" -trimpath -tags "$tags" -ldflags "$ldflags" -o "$tmp/" $pkgs); then
        t1=$(date +%s)
        printf '%s\n%s %s (%s) built by %s in %ss\n' "$stamp" "$module" "$version" "$release" \
            "$("$GO" env GOVERSION)" "$((t1 - t0))" >"$tmp/.complete"
        rm -rf "$dir"
        mv "$tmp" "$dir"
        echo "build-backends: $n $version built in $((t1 - t0)) s"
    else
        rm -rf "$tmp"
        echo "build-backends: building $n $version failed" >&2
        status=1
    fi
done
exit "$status"
