/*
 * libclient/async.h -- the runtime side of an RPC_ASYNC_STATE, shared by
 * libclient (client calls, and the RpcAsync* entry points both sides
 * use) and libserver (server calls).
 *
 * pAsync->RuntimeInfo points to a struct rpc_async: a registered runtime
 * handle of kind RPC_HANDLE_ASYNC, so a pointer the application passes in
 * is looked up in the handle registry before anything reads through it.
 * Each side supplies its operations; the entry points (clt_async.c) check
 * the structure, find the object, and call them.
 *
 * Ending a call: rpc_async_end() first stores the "ended" marker in
 * pAsync->RuntimeInfo, then retires the object.  A concurrent entry point
 * that loses the race therefore finds either the object (and its side's
 * own "ended" state), or the marker: RPC_S_INVALID_ASYNC_CALL, never a
 * freed object.
 */
#ifndef RPCRT_LIBCLIENT_ASYNC_H
#define RPCRT_LIBCLIENT_ASYNC_H

#include <rpcrt/rpcasync.h>

#include "libclient/handle.h"

struct rpc_async;

struct rpc_async_ops {
    RPC_STATUS (*status)(struct rpc_async *a);
    RPC_STATUS (*complete)(struct rpc_async *a, void *reply);
    RPC_STATUS (*abort)(struct rpc_async *a, unsigned long code);
    RPC_STATUS (*cancel)(struct rpc_async *a, int abort);
    /* Borrowed; NULL when there is none. */
    void *(*call_handle)(struct rpc_async *a);
};

struct rpc_async {
    struct rpc_handle h;             /* first: RPC_HANDLE_ASYNC */
    const struct rpc_async_ops *aops;
    PRPC_ASYNC_STATE state;          /* the application's, borrowed */
};

/* Checks pAsync for a new call (initialised, Size and Signature right,
 * no call in progress).  RPC_S_OK, RPC_S_INVALID_ASYNC_HANDLE,
 * RPC_S_INVALID_ASYNC_CALL (it carries a call in progress). */
RPCRT_INTERNAL RPC_STATUS I_RpcrtAsyncCheckNew(PRPC_ASYNC_STATE pAsync);
/* Registers a (handle ops: at least destroy) and attaches it to pAsync
 * (RuntimeInfo).  One reference, the creator's, which rpc_async_end
 * drops.  RPC_S_OK or RPC_S_OUT_OF_MEMORY. */
RPCRT_INTERNAL RPC_STATUS I_RpcrtAsyncAttach(struct rpc_async *a,
                                             const struct rpc_handle_ops *hops,
                                             const struct rpc_async_ops *aops,
                                             PRPC_ASYNC_STATE pAsync);
/* The call has ended: marks pAsync ended and retires a (see above). */
RPCRT_INTERNAL void I_RpcrtAsyncEnd(struct rpc_async *a);

#endif
