#!/bin/sh
# tests/interop.sh MODE -- rpctest-server against independent peers.
#
#   impacket  impacket (Debian python3-impacket, /usr/bin/python3) as the
#             client: tests/interop_impacket.py must pass.
#   tshark    the same run captured on the loopback interface; tshark must
#             decode it (-d tcp.port==PORT,dcerpc) with no malformed frame
#             and no expert info of severity error.
#
# Exit 77 (skipped) when a tool is missing or capturing is not allowed
# here, saying why.  Every wait is bounded.
set -u
mode=${1:-impacket}
PYTHON3=${PYTHON3:-/usr/bin/python3}
srcdir=${top_srcdir:-$(dirname "$0")/..}
builddir=${top_builddir:-.}

if ! "$PYTHON3" -c 'import impacket.dcerpc.v5.transport' 2>/dev/null; then
    echo "SKIP: $PYTHON3 cannot import impacket"
    exit 77
fi
if [ "$mode" = tshark ]; then
    if ! command -v tshark >/dev/null 2>&1 || ! command -v dumpcap >/dev/null 2>&1; then
        echo "SKIP: tshark/dumpcap not installed"
        exit 77
    fi
fi

dir=$(mktemp -d /tmp/rpcrt-interop-XXXXXX) || exit 99
srv=
cap=
cleanup() {
    [ -n "$cap" ] && kill "$cap" 2>/dev/null
    [ -n "$srv" ] && kill -9 "$srv" 2>/dev/null
    rm -rf "$dir"
}
trap cleanup EXIT

RPCRT_LRPC_DIR=$dir "$builddir/examples/rpctest-server" \
    --listen 'ncacn_ip_tcp:127.0.0.1[0]' >"$dir/out" 2>"$dir/err" &
srv=$!
port=
for _ in $(seq 1 300); do
    port=$(sed -n 's/^listening ncacn_ip_tcp:127\.0\.0\.1\[\([0-9]*\)\]$/\1/p' "$dir/out")
    [ -n "$port" ] && break
    kill -0 "$srv" 2>/dev/null || break
    sleep 0.1
done
if [ -z "$port" ]; then
    echo "FAIL: rpctest-server did not start"; cat "$dir/err"
    exit 1
fi
echo "rpctest-server on port $port"

# One run of interop_impacket.py; in tshark mode captured by dumpcap
# (a 64 MiB capture buffer: the run moves several MiB in bursts).
# Returns 0 when the run passed and, in tshark mode, the capture is
# complete; 2 when dumpcap dropped packets (the decode would see holes
# in TCP streams, which says nothing about our PDUs); 1 on failure.
run_once() {
    if [ "$mode" = tshark ]; then
        rm -f "$dir/cap.pcapng"
        dumpcap -q -B 64 -i lo -f "tcp port $port" -w "$dir/cap.pcapng" 2>"$dir/cap.err" &
        cap=$!
        # dumpcap creates its file once capturing has started.
        for _ in $(seq 1 100); do
            [ -s "$dir/cap.pcapng" ] && break
            kill -0 "$cap" 2>/dev/null || break
            sleep 0.1
        done
        if ! kill -0 "$cap" 2>/dev/null || [ ! -s "$dir/cap.pcapng" ]; then
            echo "SKIP: cannot capture on lo here:"; cat "$dir/cap.err"
            exit 77
        fi
    fi
    timeout 300 "$PYTHON3" "$srcdir/tests/interop_impacket.py" 127.0.0.1 "$port"
    rc=$?
    if [ "$mode" = tshark ]; then
        sleep 0.5
        kill -INT "$cap"
        wait "$cap"
        cap=
    fi
    if [ $rc -ne 0 ]; then
        echo "FAIL: interop_impacket.py exited $rc"; cat "$dir/err"
        return 1
    fi
    if [ "$mode" = tshark ]; then
        # "Packets received/dropped on interface 'lo': 1234/0 (...)"
        dropped=$(sed -n 's/.*received\/dropped on interface.*: [0-9]*\/\([0-9]*\) .*/\1/p' "$dir/cap.err" | head -n 1)
        if [ -n "$dropped" ] && [ "$dropped" -gt 0 ]; then
            echo "dumpcap dropped $dropped packets: $(cat "$dir/cap.err")"
            return 2
        fi
    fi
    return 0
}

attempt=1
while :; do
    run_once
    r=$?
    [ $r -eq 0 ] && break
    [ $r -eq 1 ] && exit 1
    if [ $attempt -ge 3 ]; then
        echo "SKIP: the capture dropped packets in $attempt runs (a loaded machine):" \
            "nothing to decode reliably"
        exit 77
    fi
    attempt=$((attempt + 1))
    echo "capturing again (attempt $attempt)"
done

if [ "$mode" = tshark ]; then
    # Decode-as for the server's port and for every client port too:
    # tshark's TCP dissector tries the lower port of a connection first,
    # so a client's ephemeral port that Wireshark knows as some other
    # protocol's (there are many in 32768-60999) would win over ours.
    set -- -d "tcp.port==$port,dcerpc"
    for p in $(tshark -r "$dir/cap.pcapng" -Y "tcp.dstport==$port" -T fields \
                   -e tcp.srcport 2>/dev/null | sort -un); do
        set -- "$@" -d "tcp.port==$p,dcerpc"
    done
    n=$(tshark -r "$dir/cap.pcapng" "$@" -Y dcerpc 2>/dev/null | wc -l)
    if ! bad=$(tshark -r "$dir/cap.pcapng" "$@" \
            -Y '_ws.malformed || _ws.expert.severity >= "Error"' 2>"$dir/ts.err"); then
        echo "FAIL: tshark could not apply the filter:"; cat "$dir/ts.err"; exit 1
    fi
    kinds=$(tshark -r "$dir/cap.pcapng" "$@" \
        -T fields -e dcerpc.pkt_type 2>/dev/null | tr ',' '\n' | grep -v '^$' | sort -un | tr '\n' ' ')
    echo "tshark: $n frames with DCE/RPC; PDU types seen: $kinds"
    if [ "$n" -lt 20 ]; then
        echo "FAIL: too few DCE/RPC frames decoded"; exit 1
    fi
    if [ -n "$bad" ]; then
        echo "FAIL: malformed or erroneous frames:"; echo "$bad"; exit 1
    fi
    for t in 0 2 3 11 12 14 15 18; do
        case " $kinds " in
        *" $t "*) ;;
        *) echo "FAIL: no PDU of type $t in the capture"
           echo "dumpcap said: $(cat "$dir/cap.err")"
           cp "$dir/cap.pcapng" "$builddir/tests/interop-tshark-failed.pcapng" 2>/dev/null &&
               echo "capture kept: $builddir/tests/interop-tshark-failed.pcapng (port $port)"
           exit 1 ;;
        esac
    done
fi

kill -TERM "$srv"
for _ in $(seq 1 100); do
    kill -0 "$srv" 2>/dev/null || break
    sleep 0.1
done
wait "$srv"
src=$?
srv=
if [ $src -ne 0 ]; then
    echo "FAIL: rpctest-server exited $src"; cat "$dir/err"; exit 1
fi
echo "PASS"
exit 0
