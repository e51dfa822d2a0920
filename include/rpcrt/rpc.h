/*
 * rpcrt/rpc.h -- the umbrella header, as Windows' <rpc.h>: include this one
 * and get the runtime API (rpcdce.h), the status codes (rpcnterr.h) and
 * the NDR types stubs use (rpcndr.h).
 *
 * Windows' <rpc.h> also pulls in <rpcasync.h>; ours will too once the
 * asynchronous call API (RPC_ASYNC_STATE, RpcAsyncCompleteCall ...)
 * exists.
 */
#ifndef RPCRT_RPC_H
#define RPCRT_RPC_H

#include <rpcrt/rpcdce.h>
#include <rpcrt/rpcnterr.h>
#include <rpcrt/rpcndr.h>

#endif /* RPCRT_RPC_H */
