/*
 * libclient/handle.h -- the header every runtime handle starts with, and
 * the registry that tells a live handle from a freed one or garbage.
 *
 * Shared by libclient and libserver: libserver links librpcrt-client and
 * uses these (exported, internal, I_Rpcrt-prefixed) functions, so there is
 * one registry per process whichever library a handle comes from.  A
 * pointer passed in by a caller is never dereferenced before the registry
 * says it is a live handle of the expected kind.
 */
#ifndef RPCRT_LIBCLIENT_HANDLE_H
#define RPCRT_LIBCLIENT_HANDLE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <rpcrt/rpcdce.h>

enum rpc_handle_kind {
    RPC_HANDLE_ANY = 0,
    RPC_HANDLE_CLIENT_BINDING = 0x52504342,  /* "RPCB" */
    RPC_HANDLE_SERVER_CALL = 0x52504353,     /* "RPCS": a call's binding */
    RPC_HANDLE_ASYNC = 0x52504341,           /* "RPCA": an async call */
};

struct rpc_handle;

struct rpc_handle_ops {
    /* Frees the object when its last reference goes. */
    void (*destroy)(struct rpc_handle *h);
    /* I_RpcGetBuffer / I_RpcFreeBuffer for messages of this handle. */
    RPC_STATUS (*get_buffer)(struct rpc_handle *h, PRPC_MESSAGE msg);
    RPC_STATUS (*free_buffer)(struct rpc_handle *h, PRPC_MESSAGE msg);
    /* RpcrtBufferSendFrom (into 0) / RpcrtBufferReceiveInto (into 1) on
     * a message of this handle; NULL if the kind has neither. */
    RPC_STATUS (*buffer_range)(struct rpc_handle *h, PRPC_MESSAGE msg, int into,
                               size_t off, void *data, size_t len);
    /* RpcBindingToStringBinding; NULL if the kind has no string form. */
    RPC_STATUS (*to_string)(struct rpc_handle *h, RPC_CSTR *out);
    /* RpcBindingInqObject. */
    RPC_STATUS (*inq_object)(struct rpc_handle *h, UUID *obj);
};

struct rpc_handle {
    uint32_t kind;                      /* enum rpc_handle_kind */
    atomic_uint refs;                   /* registry lookups hold one */
    atomic_int retired;                 /* lookups refuse it: retired,
                                         * withdrawn, or not yet active */
    const struct rpc_handle_ops *ops;
};

#define RPCRT_INTERNAL __attribute__((visibility("default")))

/* Sets kind, ops, one reference (the creator's), and enters h in the
 * registry.  RPC_S_OK or RPC_S_OUT_OF_MEMORY. */
RPCRT_INTERNAL RPC_STATUS I_RpcrtHandleInit(struct rpc_handle *h, uint32_t kind,
                                           const struct rpc_handle_ops *ops);
/* Removes h from the registry (later lookups fail) and drops the
 * creator's reference. */
RPCRT_INTERNAL void I_RpcrtHandleRetire(struct rpc_handle *h);
/* The two halves of that, for a caller that wants lookups to fail now
 * and the registry's lock later (a server call: its answer goes out
 * first).  Withdraw: lookups fail from now on; the entry and the
 * creator's reference stay.  Unlist: removes the entry; the creator's
 * reference stays the caller's to drop. */
RPCRT_INTERNAL void I_RpcrtHandleWithdraw(struct rpc_handle *h);
RPCRT_INTERNAL void I_RpcrtHandleUnlist(struct rpc_handle *h);
/* I_RpcrtHandleInit with lookups failing until I_RpcrtHandleActivate: an
 * object made ready before it is needed (a server thread's next call),
 * so that what is left when it is needed is a store.  The creator's
 * reference is there from the start; the object is dropped with
 * I_RpcrtHandleRetire as any other. */
RPCRT_INTERNAL RPC_STATUS I_RpcrtHandleInitWithdrawn(struct rpc_handle *h,
                                                     uint32_t kind,
                                                     const struct rpc_handle_ops *ops);
RPCRT_INTERNAL void I_RpcrtHandleActivate(struct rpc_handle *h);
/* If p is a live handle of that kind (RPC_HANDLE_ANY: any), takes a
 * reference and returns it; else NULL.  p is not dereferenced unless it is
 * registered. */
RPCRT_INTERNAL struct rpc_handle *I_RpcrtHandleGet(const void *p, uint32_t kind);
RPCRT_INTERNAL void I_RpcrtHandleRef(struct rpc_handle *h);
/* The handle the calling thread works on (a server call while its routine
 * runs): until I_RpcrtHandleUnpin, I_RpcrtHandleGet finds it on this
 * thread without the registry's lock, as long as it is not retired.  The
 * pin holds a reference.  One per thread; h is live (the caller holds a
 * reference). */
RPCRT_INTERNAL void I_RpcrtHandlePin(struct rpc_handle *h);
RPCRT_INTERNAL void I_RpcrtHandleUnpin(void);
/* Pins h only if the thread has no pin (a client call's binding, from
 * I_RpcGetBuffer to the send: a server routine's call keeps its pin). */
RPCRT_INTERNAL void I_RpcrtHandlePinIfNone(struct rpc_handle *h);
/* Unpins the thread's pin if it is p (p is not dereferenced). */
RPCRT_INTERNAL void I_RpcrtHandleUnpinIf(const void *p);
/* Drops a reference; the last one calls ops->destroy. */
RPCRT_INTERNAL void I_RpcrtHandlePut(struct rpc_handle *h);

/* libclient/clt_buf.c: message buffers, malloc/free with a small
 * process-wide cache of large blocks (back-to-back large calls reuse their
 * pages instead of faulting in fresh ones).  Any of them may also be
 * released with free(). */
RPCRT_INTERNAL void *I_RpcrtBufAlloc(size_t n);
RPCRT_INTERNAL void I_RpcrtBufFree(void *p);

/* libclient/clt_lrpc.c: where ncalrpc sockets live, for both libraries.
 * The socket path of an ncalrpc endpoint: 0, or -1 when it does not fit
 * or the name is not a valid endpoint. */
RPCRT_INTERNAL int I_RpcrtLrpcPath(const char *endpoint, char *buf, size_t size);
/* The directory of ncalrpc sockets (see RpcServerUseProtseq(3)). */
RPCRT_INTERNAL const char *I_RpcrtLrpcDir(char *buf, size_t size);

#endif
