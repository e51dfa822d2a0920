#!/bin/bash
# tests/valgrind-calls.sh [CALLS] [BUILD_DIR] -- rpctest-server under
# valgrind memcheck while rpctest-client makes CALLS Echo calls (default
# 100000, in batches of 1000 per client process, so connections come and
# go too), sampling the server's resident set along the way.
#
# BUILD_DIR (default: the current directory) is a build without
# sanitizers (valgrind and ASan do not mix), e.g. --enable-debug.  Not
# part of make check: 100,000 calls under memcheck take minutes.  Run it
# with nice -n 19 on a shared machine.
#
# Prints RSS samples (kB) after each tenth of the calls, then the leak
# summary of valgrind's log, and exits 0 when every call succeeded and
# memcheck reports no error and no definitely/indirectly/possibly lost
# bytes; 1 otherwise.  The valgrind log is kept in the work directory,
# which is printed.
set -u

calls=${1:-100000}
build=${2:-.}
case $calls in
    '' | *[!0-9]*)
        echo "usage: $0 [CALLS] [BUILD_DIR]" >&2
        exit 2
        ;;
esac
build=$(cd "$build" 2>/dev/null && pwd) || {
    echo "valgrind-calls: no build directory $2" >&2
    exit 2
}
server=$build/examples/rpctest-server
client=$build/examples/rpctest-client
# libtool wrappers: run the real programs (valgrind would trace the
# wrapper script's shell otherwise).
[ -x "$build/examples/.libs/rpctest-server" ] && server=$build/examples/.libs/rpctest-server
[ -x "$build/examples/.libs/rpctest-client" ] && client=$build/examples/.libs/rpctest-client
export LD_LIBRARY_PATH=$build/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
command -v valgrind >/dev/null || {
    echo "valgrind-calls: valgrind not installed" >&2
    exit 2
}

work=$(mktemp -d "${TMPDIR:-/tmp}/rpcrt-valgrind.XXXXXX") || exit 2
export RPCRT_LRPC_DIR=$work
vpid=
cleanup() {
    [ -n "$vpid" ] && kill "$vpid" 2>/dev/null
}
trap cleanup EXIT

valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite,indirect,possible \
    --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 \
    --log-file="$work/valgrind.log" \
    "$server" --listen 'ncacn_ip_tcp:127.0.0.1[0]' >"$work/server.out" 2>&1 &
vpid=$!

binding=
for _ in $(seq 1 600); do
    binding=$(sed -n 's/^listening //p' "$work/server.out" | head -n 1)
    [ -n "$binding" ] && break
    if ! kill -0 "$vpid" 2>/dev/null; then
        echo "valgrind-calls: the server did not start:" >&2
        cat "$work/server.out" "$work/valgrind.log" >&2
        exit 1
    fi
    sleep 0.1
done
[ -n "$binding" ] || { echo "valgrind-calls: no listening line" >&2; exit 1; }

rss() {
    awk '/^VmRSS:/ { print $2 }' "/proc/$vpid/status" 2>/dev/null
}

batch=1000
[ "$calls" -lt "$batch" ] && batch=$calls
done_calls=0
failed=0
tenth=$(( calls / 10 ))
[ "$tenth" -lt 1 ] && tenth=1
next=$tenth
start=$(date +%s)
printf 'calls %9d  server RSS %8s kB\n' 0 "$(rss)"
while [ "$done_calls" -lt "$calls" ]; do
    n=$batch
    [ $(( calls - done_calls )) -lt "$n" ] && n=$(( calls - done_calls ))
    if ! "$client" "$binding" echo 64 "$n" >/dev/null; then
        failed=$(( failed + 1 ))
    fi
    done_calls=$(( done_calls + n ))
    if [ "$done_calls" -ge "$next" ]; then
        printf 'calls %9d  server RSS %8s kB\n' "$done_calls" "$(rss)"
        next=$(( next + tenth ))
    fi
done
elapsed=$(( $(date +%s) - start ))

kill -TERM "$vpid"
wait "$vpid"
vrc=$?
vpid=

echo "$calls calls in $elapsed s, $failed failed client batches; valgrind exit $vrc"
grep -E 'ERROR SUMMARY|definitely lost|indirectly lost|possibly lost|still reachable|in use at exit|total heap usage' \
    "$work/valgrind.log" | sed 's/^==[0-9]*== */  /'
echo "valgrind log: $work/valgrind.log"
trap - EXIT
if [ "$failed" -ne 0 ] || [ "$vrc" -ne 0 ]; then
    exit 1
fi
exit 0
