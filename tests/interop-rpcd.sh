#!/bin/sh
# tests/interop-rpcd.sh -- rpcd's endpoint mapper against independent
# peers, on 127.0.0.1 port 135 (the only port impacket's rpcdump and
# hept_map use for the mapper):
#
#   impacket's rpcdump.py lists the EPM and rpctest entries;
#   tests/interop_rpcd.py: impacket's epm.hept_map resolves rpctest and
#     Echo is called there, hept_lookup paging, handle free, inq_object,
#     changes from the network refused;
#   tshark (when it can capture here) decodes the EPM traffic with no
#     malformed frame and no expert error.
#
# Exit 77 (skipped) when impacket is missing, when not root (port 135),
# or when port 135 is taken.  Every wait is bounded; rpcd is always
# stopped, and must exit 0 on SIGTERM.
set -u
PYTHON3=${PYTHON3:-/usr/bin/python3}
srcdir=${top_srcdir:-$(dirname "$0")/..}
builddir=${top_builddir:-.}
host=127.0.0.1

if ! "$PYTHON3" -c 'import impacket.dcerpc.v5.epm' 2>/dev/null; then
    echo "SKIP: $PYTHON3 cannot import impacket"
    exit 77
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "SKIP: port 135 needs root"
    exit 77
fi
# impacket-rpcdump is a wrapper that runs whatever "python3" is first in
# PATH; run the example itself with the python3 that has impacket.
rpcdump_py=
for f in /usr/share/doc/python3-impacket/examples/rpcdump.py \
         $(dpkg -L python3-impacket 2>/dev/null | grep '/rpcdump\.py$'); do
    [ -f "$f" ] && { rpcdump_py=$f; break; }
done
if [ -z "$rpcdump_py" ]; then
    echo "SKIP: impacket's rpcdump.py not found"
    exit 77
fi
if ! "$PYTHON3" -c "
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(('$host', 135))
except OSError:
    sys.exit(1)
" 2>/dev/null; then
    echo "SKIP: port 135 on $host is taken"
    exit 77
fi

dir=$(mktemp -d /tmp/rpcrt-interop-rpcd-XXXXXX) || exit 99
chmod 755 "$dir"
srv=
cap=
cleanup() {
    [ -n "$cap" ] && kill "$cap" 2>/dev/null
    [ -n "$srv" ] && kill -9 "$srv" 2>/dev/null
    rm -rf "$dir"
}
trap cleanup EXIT

# Capture first (when possible), so the whole conversation is in it.
capture=0
if command -v tshark >/dev/null 2>&1 && command -v dumpcap >/dev/null 2>&1; then
    dumpcap -q -B 64 -i lo -f "tcp port 135" -w "$dir/cap.pcapng" 2>"$dir/cap.err" &
    cap=$!
    for _ in $(seq 1 100); do
        [ -s "$dir/cap.pcapng" ] && break
        kill -0 "$cap" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$cap" 2>/dev/null && [ -s "$dir/cap.pcapng" ]; then
        capture=1
    else
        echo "NOTE: cannot capture on lo here; the tshark part is skipped"
        cap=
    fi
else
    echo "NOTE: tshark/dumpcap not installed; the tshark part is skipped"
fi

: >"$dir/rpcd.conf"
RPCRT_LRPC_DIR=$dir "$builddir/daemon/rpcd" -d -v -f "$dir/rpcd.conf" \
    --listen "ncacn_ip_tcp:$host[135]" \
    --module "$builddir/examples/.libs/rpctest.so" >"$dir/out" 2>"$dir/err" &
srv=$!
up=
for _ in $(seq 1 300); do
    grep -q '^listening ncalrpc:' "$dir/out" 2>/dev/null && { up=1; break; }
    kill -0 "$srv" 2>/dev/null || break
    sleep 0.1
done
if [ -z "$up" ]; then
    echo "FAIL: rpcd did not start"; cat "$dir/err"
    exit 1
fi
echo "rpcd on $host port 135"

fail() {
    echo "FAIL: $*"
    echo "---- rpcd's log"; cat "$dir/err"
    exit 1
}

timeout 60 "$PYTHON3" "$rpcdump_py" -port 135 "$host" >"$dir/rpcdump.out" 2>&1 ||
    { cat "$dir/rpcdump.out"; fail "impacket rpcdump.py exited $?"; }
cat "$dir/rpcdump.out"
grep -q 'E1AF8308-5D1F-11C9-91A4-08002B14A0FA v3.0' "$dir/rpcdump.out" ||
    fail "rpcdump.py does not list the endpoint mapper"
grep -q '25B0AD95-8A83-4C70-B453-E0C202C9D616 v1.0' "$dir/rpcdump.out" ||
    fail "rpcdump.py does not list rpctest"
grep -q "ncacn_ip_tcp:$host\[135\]" "$dir/rpcdump.out" ||
    fail "rpcdump.py shows no TCP binding"
grep -q 'Received 4 endpoints' "$dir/rpcdump.out" ||
    fail "rpcdump.py did not receive 4 endpoints"
echo "PASS impacket rpcdump.py lists the EPM and rpctest"

timeout 200 "$PYTHON3" "$srcdir/tests/interop_rpcd.py" "$host" ||
    fail "interop_rpcd.py exited $?"

if [ $capture -eq 1 ]; then
    sleep 0.5
    kill -INT "$cap"
    wait "$cap"
    cap=
    n=$(tshark -r "$dir/cap.pcapng" -d "tcp.port==135,dcerpc" -Y dcerpc 2>/dev/null | wc -l)
    if ! bad=$(tshark -r "$dir/cap.pcapng" -d "tcp.port==135,dcerpc" \
            -Y '_ws.malformed || _ws.expert.severity >= "Error"' 2>"$dir/ts.err"); then
        cat "$dir/ts.err"; fail "tshark could not apply the filter"
    fi
    ops=$(tshark -r "$dir/cap.pcapng" -d "tcp.port==135,dcerpc" -Y 'epm' \
        -T fields -e dcerpc.opnum 2>/dev/null | tr ',' '\n' | grep -v '^$' | sort -un | tr '\n' ' ')
    echo "tshark: $n frames with DCE/RPC; EPM opnums seen: $ops"
    [ "$n" -ge 20 ] || fail "too few DCE/RPC frames decoded"
    [ -z "$bad" ] || { echo "$bad"; fail "malformed or erroneous frames"; }
    for op in 0 2 3 4 5; do
        case " $ops " in
        *" $op "*) ;;
        *) fail "no EPM opnum $op in the capture" ;;
        esac
    done
    echo "PASS tshark decodes the EPM traffic cleanly"
fi

kill -TERM "$srv"
for _ in $(seq 1 150); do
    kill -0 "$srv" 2>/dev/null || break
    sleep 0.1
done
wait "$srv"
rc=$?
srv=
[ $rc -eq 0 ] || fail "rpcd exited $rc after SIGTERM"
echo "PASS"
exit 0
