/*
 * libserver/srv_cancel.c -- server-side cancellation (C706 12.4.1.5 and
 * 12.6.4.1-2, MS-RPCE 3.3.3.4.x): co_cancel and orphaned PDUs, lost
 * connections, and RpcServerTestCancel / RpcTestCancel.
 *
 * The I/O thread keeps reading while a routine runs.  A co_cancel for the
 * call in progress on its connection (matched by call_id) adds one to the
 * call's atomic cancel count, so the routine's next RpcServerTestCancel
 * sees it within microseconds.  An orphaned PDU, or the connection going
 * away, marks the call orphaned and also counts as a cancel: the routine
 * can stop early, and its answer is dropped.  A co_cancel or orphaned for
 * an unknown call_id, or for a call whose request is still arriving in
 * fragments, is ignored and the connection stays up (Windows' behaviour,
 * recorded in Samba's dcesrv_core.c): such a call is not in progress yet,
 * and once its last fragment arrives it runs and is answered as usual.
 * A new request on that connection before then is a protocol error
 * (srv_call.c).
 */
#include "libserver/srv.h"

static struct srv_call *
find_running(struct srv_conn *c, uint32_t call_id)
{
    for (struct srv_call *k = c->calls; k != NULL; k = k->cnext)
        if (k->call_id == call_id && !atomic_load(&k->orphaned))
            return k;
    return NULL;
}

void
srv_cancel_co_cancel(struct srv_conn *c, uint32_t call_id)
{
    struct srv_call *k;

    if (c->frag != NULL && c->frag->call_id == call_id) {
        srv_log(RPCRT_LOG_DEBUG, "%s: co_cancel between fragments of call %u ignored",
                c->peer, (unsigned)call_id);
        return;
    }
    if ((k = find_running(c, call_id)) == NULL || atomic_load(&k->done)) {
        srv_log(RPCRT_LOG_DEBUG, "%s: co_cancel for no call in progress (%u)",
                c->peer, (unsigned)call_id);
        return;
    }
    atomic_fetch_add(&k->cancels, 1);
}

void
srv_cancel_orphan_call(struct srv_call *k)
{
    if (!atomic_exchange(&k->orphaned, 1))
        atomic_fetch_add(&k->cancels, 1);
}

void
srv_cancel_orphaned(struct srv_conn *c, uint32_t call_id)
{
    struct srv_call *k;

    if (c->frag != NULL && c->frag->call_id == call_id) {
        srv_log(RPCRT_LOG_DEBUG, "%s: orphaned between fragments of call %u ignored",
                c->peer, (unsigned)call_id);
        return;
    }
    if ((k = find_running(c, call_id)) != NULL)
        srv_cancel_orphan_call(k);
}

SRV_EXPORT RPC_STATUS RPC_ENTRY
RpcServerTestCancel(RPC_BINDING_HANDLE BindingHandle)
{
    struct srv_call *k;
    RPC_STATUS st;

    if ((k = srv_call_get(BindingHandle, &st)) == NULL)
        return st;
    /* A routine that tests for cancels may run long: if it runs on the
     * thread of the event loop, the loop (which reads the co_cancel) goes
     * to another thread now; if its thread stays on the connection, the
     * connection goes back to the loop. */
    srv_worker_hand_loop_on();
    srv_io_stay_leave();
    if (atomic_load(&k->cancels) > 0) {
        /* Seen: the answer no longer needs PFC_PENDING_CANCEL. */
        atomic_store(&k->observed, 1);
        st = RPC_S_OK;
    } else {
        st = RPC_S_CALL_IN_PROGRESS;
    }
    I_RpcrtHandlePut(&k->h);
    return st;
}

SRV_EXPORT RPC_STATUS RPC_ENTRY
RpcTestCancel(void)
{
    return RpcServerTestCancel(NULL);
}

SRV_EXPORT RPC_STATUS RPC_ENTRY
RpcrtServerTestOrphaned(RPC_BINDING_HANDLE Call)
{
    struct srv_call *k;
    RPC_STATUS st;

    if ((k = srv_call_get(Call, &st)) == NULL)
        return st;
    st = atomic_load(&k->orphaned) ? RPC_S_OK : RPC_S_CALL_IN_PROGRESS;
    I_RpcrtHandlePut(&k->h);
    return st;
}
