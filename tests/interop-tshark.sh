#!/bin/sh
# tshark decoding a capture of impacket and rpctest-server (see interop.sh).
exec "$(dirname "$0")/interop.sh" tshark
