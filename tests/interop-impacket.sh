#!/bin/sh
# impacket as a client of rpctest-server (see interop.sh).
exec "$(dirname "$0")/interop.sh" impacket
