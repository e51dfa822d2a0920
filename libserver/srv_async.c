/*
 * libserver/srv_async.c -- server-side asynchronous calls
 * (I_RpcAsyncSetHandle, and RpcAsyncCompleteCall / RpcAsyncAbortCall /
 * RpcAsyncGetCallStatus / RpcAsyncGetCallHandle on a server call; the
 * entry points are libclient's, clt_async.c).
 *
 * A manager routine calls I_RpcAsyncSetHandle(Message, pAsync) and
 * returns.  srv_call_run then encodes nothing and frees its worker; the
 * call stays as it was -- counted in srv.running / listen_calls /
 * iface->active (MaxCalls), on its connection's list (co_cancel and
 * orphaned reach it, a lost connection orphans it), its handle registered
 * (RpcServerTestCancel on RpcAsyncGetCallHandle(pAsync) works from any
 * thread) -- until some thread ends it.  That thread encodes the answer
 * (srv_call_answer) and hands the call to the I/O side
 * (srv_call_complete), exactly as a worker does for a synchronous call;
 * the I/O thread writes the answer, or drops it if the call was orphaned,
 * and lets go of the connection's reference.
 *
 * The end may come before the routine has returned (another thread
 * completes at once).  Two flags under srv.lock settle who hands the call
 * over: the routine's return sets `returned`, the completion sets
 * `answered` once the answer is encoded; whichever comes second hands
 * over.  A routine that raises an exception after I_RpcAsyncSetHandle
 * (and before anyone ended the call) ends it with that fault as a
 * synchronous routine would; the async handle is ended with it.
 *
 * Lifetimes: the async object holds a reference to the call's handle, so
 * the call's memory outlives the I/O thread's part as long as the
 * application can still reach it through pAsync.  The object's
 * references: its creator's (dropped when the call is ended), the
 * routine's (k->async, dropped when the routine returns) and those of
 * entry points in progress; it goes with the last.
 */
#include <stdlib.h>

#include "libclient/async.h"
#include "libserver/srv.h"

struct srv_async {
    struct rpc_async base;           /* first */
    struct srv_call *k;              /* a reference */
    /* srv.lock */
    int ended;                       /* Complete/Abort called, or faulted */
    int returned;                    /* the routine has returned */
    int answered;                    /* the answer is encoded */
};

static void
sa_destroy(struct rpc_handle *h)
{
    struct srv_async *a = (struct srv_async *)h;

    I_RpcrtHandlePut(&a->k->h);
    free(a);
}

static const struct rpc_handle_ops sa_hops = {
    .destroy = sa_destroy,
};

static RPC_STATUS
sa_status(struct rpc_async *base)
{
    struct srv_async *a = (struct srv_async *)base;
    RPC_STATUS st;

    pthread_mutex_lock(&srv.lock);
    st = a->ended ? RPC_S_INVALID_ASYNC_CALL : RPC_S_ASYNC_CALL_PENDING;
    pthread_mutex_unlock(&srv.lock);
    return st;
}

static RPC_STATUS
sa_end(struct srv_async *a, int fault, RPC_STATUS code, PRPC_MESSAGE reply)
{
    struct srv_call *k = a->k;
    int returned;

    pthread_mutex_lock(&srv.lock);
    if (a->ended) {
        pthread_mutex_unlock(&srv.lock);
        return RPC_S_INVALID_ASYNC_CALL;
    }
    a->ended = 1;
    pthread_mutex_unlock(&srv.lock);

    /* Co_cancels from now on find the call done. */
    atomic_store(&k->done, 1);
    srv_call_answer(k, fault, code, 0, reply != NULL ? reply->Buffer : NULL,
                    reply != NULL ? reply->BufferLength : 0);
    if (reply != NULL) {
        /* The buffer was the runtime's and is gone with the call. */
        reply->Buffer = NULL;
        reply->BufferLength = 0;
    }
    I_RpcrtAsyncEnd(&a->base);

    pthread_mutex_lock(&srv.lock);
    a->answered = 1;
    returned = a->returned;
    pthread_mutex_unlock(&srv.lock);
    if (returned)
        srv_call_complete(k);       /* else the routine's worker does */
    return RPC_S_OK;
}

static RPC_STATUS
sa_complete(struct rpc_async *base, void *reply)
{
    return sa_end((struct srv_async *)base, 0, RPC_S_OK, reply);
}

static RPC_STATUS
sa_abort(struct rpc_async *base, unsigned long code)
{
    /* The code as RpcRaiseException would carry it: RPC_S_* values map to
     * their NCA fault codes (RPC_S_CALL_CANCELLED: nca_s_fault_cancel),
     * others travel as they are. */
    return sa_end((struct srv_async *)base, 1, (RPC_STATUS)code, NULL);
}

static RPC_STATUS
sa_cancel(struct rpc_async *base, int abort)
{
    (void)base;
    (void)abort;
    /* A server learns of cancels with RpcServerTestCancel; it ends a call
     * with RpcAsyncAbortCall. */
    return RPC_S_WRONG_KIND_OF_BINDING;
}

static void *
sa_call_handle(struct rpc_async *base)
{
    return ((struct srv_async *)base)->k;
}

static const struct rpc_async_ops sa_aops = {
    .status = sa_status,
    .complete = sa_complete,
    .abort = sa_abort,
    .cancel = sa_cancel,
    .call_handle = sa_call_handle,
};

SRV_EXPORT RPC_STATUS RPC_ENTRY
I_RpcAsyncSetHandle(PRPC_MESSAGE Message, PRPC_ASYNC_STATE pAsync)
{
    struct srv_call *k;
    struct srv_async *a;
    RPC_STATUS st;

    if ((st = I_RpcrtAsyncCheckNew(pAsync)) != RPC_S_OK)
        return st;
    if (Message == NULL)
        return RPC_S_INVALID_ARG;
    /* Only the routine serving the call, while it runs. */
    if ((k = srv_call_current()) == NULL)
        return RPC_S_NO_CALL_ACTIVE;
    if (Message->Handle != (RPC_BINDING_HANDLE)k)
        return RPC_S_INVALID_BINDING;
    if (k->async != NULL)           /* this thread's field, see below */
        return RPC_S_INVALID_ASYNC_CALL;
    if ((a = calloc(1, sizeof(*a))) == NULL)
        return RPC_S_OUT_OF_MEMORY;
    a->k = k;
    I_RpcrtHandleRef(&k->h);
    if ((st = I_RpcrtAsyncAttach(&a->base, &sa_hops, &sa_aops, pAsync)) != RPC_S_OK) {
        I_RpcrtHandlePut(&k->h);
        free(a);
        return st;
    }
    /* The routine's reference: k->async stays valid until the routine has
     * returned, even if another thread ends the call before that. */
    I_RpcrtHandleRef(&a->base.h);
    k->async = a;
    return RPC_S_OK;
}

int
srv_async_returned(struct srv_call *k, int fault)
{
    struct srv_async *a = k->async;
    int r, end = 0;

    /* k->async is only ever written on the routine's thread (this one):
     * a synchronous call costs no lock here. */
    if (a == NULL)
        return 0;
    k->async = NULL;
    pthread_mutex_lock(&srv.lock);
    a->returned = 1;
    if (fault && !a->ended) {
        /* Raised after I_RpcAsyncSetHandle: a fault as usual. */
        a->ended = 1;
        end = 1;
        r = 0;
    } else {
        r = a->answered ? 2 : 1;
    }
    pthread_mutex_unlock(&srv.lock);
    if (end) {
        /* k (the call) stays: the worker answers it now. */
        I_RpcrtAsyncEnd(&a->base);
    }
    I_RpcrtHandlePut(&a->base.h);   /* the routine's reference */
    return r;
}
