#!/usr/bin/env bash
# build.sh -- one entry point for developers and CI.
#
#   ./build.sh run        install what is missing, build, start rpcd in the
#                         foreground with the rpctest module
#   ./build.sh check      install what is missing, build (the benchmark
#                         programs too, not run), run the whole test suite
#                         (make check) in a debug build with -Werror and
#                         again under AddressSanitizer + UBSan
#   ./build.sh distcheck  make distcheck (the tarball builds and passes)
#   ./build.sh deps       only install the Debian packages the build needs
#
# Build trees go to build/ (debug) and build-asan/ beside this script.
set -euo pipefail

top=$(cd "$(dirname "$0")" && pwd)
cd "$top"
jobs=$(nproc 2>/dev/null || echo 2)

# Debian packages: the toolchain, the libraries the build links, and the
# independent peers the interop tests run.
build_pkgs="build-essential autoconf automake libtool pkg-config
  libevent-dev libssl-dev uuid-dev check"
test_pkgs="python3 python3-impacket tshark"

log() { printf '== %s\n' "$*"; }

deps() {
    local missing=()
    for p in $build_pkgs $test_pkgs; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
            missing+=("$p")
    done
    if [ ${#missing[@]} -eq 0 ]; then
        return 0
    fi
    log "installing: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    # tshark asks whether non-root users may capture; the default (no) is fine.
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

bootstrap() {
    if [ ! -x configure ] || [ configure.ac -nt configure ] ||
       [ Makefile.am -nt configure ]; then
        log "autoreconf"
        autoreconf -fi >/dev/null
    fi
}

# configure_in DIR ARGS...: configure a build tree once (again if the
# arguments changed).
configure_in() {
    local dir=$1; shift
    mkdir -p "$dir"
    if [ ! -f "$dir/Makefile" ] || [ "$(cat "$dir/.configure-args" 2>/dev/null)" != "$*" ] ||
       [ configure -nt "$dir/Makefile" ]; then
        log "configure $dir: $*"
        (cd "$dir" && "$top/configure" -q "$@")
        echo "$*" > "$dir/.configure-args"
    fi
}

# Prints every Check summary line of a build tree's test logs, then one
# total line in the plain "N passed, N failed" form.
summarize() {
    local dir=$1 pass=0 fail=0 line checks bad
    while IFS= read -r line; do
        echo "$line"
        # "100%: Checks: 45, Failures: 0, Errors: 0"
        checks=$(sed -n 's/.*Checks: \([0-9]*\).*/\1/p' <<<"$line")
        bad=$(sed -n 's/.*Failures: \([0-9]*\), Errors: \([0-9]*\).*/\1 \2/p' <<<"$line")
        [ -n "$checks" ] || continue
        set -- $bad
        fail=$((fail + $1 + $2))
        pass=$((pass + checks - $1 - $2))
    done < <(grep -h 'Checks: [0-9]*, Failures' "$dir"/tests/*.log 2>/dev/null || true)
    echo "$dir: $pass passed, $fail failed"
}

# check_in DIR: build and make check; print the logs of failures.
check_in() {
    local dir=$1 rc=0
    log "make check in $dir"
    make -C "$dir" -j"$jobs" >/dev/null
    # The benchmark programs are not part of make all: built here so
    # that they cannot rot unnoticed (they are not run).
    make -C "$dir" -j"$jobs" bench-programs >/dev/null || rc=$?
    make -C "$dir" -j"$jobs" check || rc=$?
    if [ $rc -ne 0 ]; then
        for f in "$dir"/tests/*.log "$dir"/tests/*/*.log; do
            [ -f "$f" ] || continue
            grep -q '^FAIL\|^ERROR\|Failures: [1-9]\|Errors: [1-9]\|ERROR: \|runtime error' "$f" &&
                { echo "---- $f"; tail -n 60 "$f"; }
        done
    fi
    summarize "$dir"
    return $rc
}

cmd=${1:-check}
case "$cmd" in
deps)
    deps
    ;;
check)
    deps
    bootstrap
    configure_in build --enable-debug
    configure_in build-asan --enable-debug --enable-asan --enable-ubsan
    rc=0
    check_in build || rc=$?
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        check_in build-asan || rc=$?
    exit $rc
    ;;
distcheck)
    deps
    bootstrap
    configure_in build --enable-debug
    make -C build -j"$jobs" distcheck
    ;;
run)
    deps
    bootstrap
    # The same tree and options as `check`, so the two never reconfigure
    # each other's build.
    configure_in build --enable-debug
    make -C build -j"$jobs" >/dev/null
    log "starting rpcd in the foreground (Ctrl-C stops it); try build/tools/rpcdump"
    exec build/daemon/rpcd -d -v --module build/examples/.libs/rpctest.so
    ;;
*)
    echo "usage: $0 run|check|distcheck|deps" >&2
    exit 2
    ;;
esac
