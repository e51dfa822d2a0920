/*
 * rpcrt/rpc.h -- the umbrella header, as Windows' <rpc.h>: include this one
 * and get the runtime API (rpcdce.h), the status codes (rpcnterr.h), the
 * NDR types stubs use (rpcndr.h) and, as Windows' <rpc.h> does, the
 * asynchronous call API (rpcasync.h).
 */
#ifndef RPCRT_RPC_H
#define RPCRT_RPC_H

#include <rpcrt/rpcdce.h>
#include <rpcrt/rpcnterr.h>
#include <rpcrt/rpcndr.h>
#include <rpcrt/rpcasync.h>

#endif /* RPCRT_RPC_H */
