/*
 * examples/rpctest_client.c -- hand-written NDR 2.0 client stubs for
 * rpctest (see rpctest_client.h and the interface's rpctest.md).
 */
#include <stdlib.h>
#include <string.h>

#include <rpcrt/rpcrt_ext.h>

#include "rpctest_client.h"

RPC_CLIENT_INTERFACE rpctest_client_if = {
    sizeof(RPC_CLIENT_INTERFACE),
    {{0x25b0ad95, 0x8a83, 0x4c70, {0xb4, 0x53, 0xe0, 0xc2, 0x02, 0xc9, 0xd6, 0x16}},
     {1, 0}},
    {{0x8a885d04, 0x1ceb, 0x11c9, {0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60}},
     {2, 0}},
    NULL, 0, NULL, 0, NULL, 0,
};

/* ---- marshalling in the sender's order ---------------------------------- */

static void
put_u32(uint8_t *p, uint32_t v)
{
    /* Requests go in the host's order, which is what the runtime labels
     * them with (NDR_LOCAL_DATA_REPRESENTATION). */
    memcpy(p, &v, 4);
}

struct reader {
    const uint8_t *p;
    uint32_t len, off;
    int big;                 /* reply's drep says big-endian */
};

static int
get_u32(struct reader *r, uint32_t *v)
{
    const uint8_t *b;

    r->off = (r->off + 3) & ~3u;             /* NDR aligns u32 to 4 */
    if (r->off > r->len || r->len - r->off < 4)
        return -1;
    b = r->p + r->off;
    *v = r->big ? (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3]
                : (uint32_t)b[3] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[1] << 8 | b[0];
    r->off += 4;
    return 0;
}

/* A request of in_len stub bytes: the runtime's buffer in msg->Buffer,
 * for the stub to marshal into (as MIDL stubs do: no copy of its own). */
static RPC_STATUS
call_begin(RPC_BINDING_HANDLE h, unsigned opnum, uint32_t in_len, RPC_MESSAGE *msg)
{
    memset(msg, 0, sizeof(*msg));
    msg->Handle = h;
    msg->BufferLength = in_len;
    msg->ProcNum = opnum;
    msg->RpcInterfaceInformation = &rpctest_client_if;
    msg->DataRepresentation = NDR_LOCAL_DATA_REPRESENTATION;
    return I_RpcGetBuffer(msg);
}

/* Sends msg's request; the reply is left in *msg for the caller to read
 * and free (I_RpcFreeBuffer). */
static RPC_STATUS
call_end(RPC_MESSAGE *msg, struct reader *r)
{
    RPC_STATUS st;

    if ((st = I_RpcSendReceive(msg)) != RPC_S_OK) {
        I_RpcFreeBuffer(msg);
        return st;
    }
    r->p = msg->Buffer;
    r->len = msg->BufferLength;
    r->off = 0;
    r->big = (msg->DataRepresentation & NDR_INT_REP_MASK) == NDR_BIG_ENDIAN;
    return RPC_S_OK;
}

/* One call: in_len bytes of stub copied from in. */
static RPC_STATUS
call(RPC_BINDING_HANDLE h, unsigned opnum, const void *in, uint32_t in_len,
     RPC_MESSAGE *msg, struct reader *r)
{
    RPC_STATUS st;

    if ((st = call_begin(h, opnum, in_len, msg)) != RPC_S_OK)
        return st;
    if (in_len > 0)
        memcpy(msg->Buffer, in, in_len);
    return call_end(msg, r);
}

static RPC_STATUS
u32_call(RPC_BINDING_HANDLE h, unsigned opnum, uint32_t arg, uint32_t *outs,
         int nouts)
{
    RPC_MESSAGE msg;
    struct reader r;
    uint8_t in[4];
    RPC_STATUS st;

    put_u32(in, arg);
    if ((st = call(h, opnum, in, 4, &msg, &r)) != RPC_S_OK)
        return st;
    for (int i = 0; i < nouts; i++)
        if (get_u32(&r, &outs[i]) != 0)
            st = RPC_X_BAD_STUB_DATA;
    I_RpcFreeBuffer(&msg);
    return st;
}

RPC_STATUS
rpctest_echo(RPC_BINDING_HANDLE h, const void *in, uint32_t n, void *out,
             int32_t *ret)
{
    RPC_MESSAGE msg;
    struct reader r;
    uint8_t *req;
    uint32_t count, rv;
    int placed = 0;
    RPC_STATUS st;

    if (n > 0xffffffffu - 8)
        return RPC_S_OUT_OF_MEMORY;
    if ((st = call_begin(h, 0, n + 8, &msg)) != RPC_S_OK)
        return st;
    req = msg.Buffer;
    put_u32(req, n);          /* n */
    put_u32(req + 4, n);      /* conformance of data_in */
    /* data_in goes out from the caller's memory and data_out comes back
     * straight into it (rpcrt_ext.h), rather than through the message
     * buffers with a copy each way; a plain copy if the runtime says no. */
    if (n > 0 && RpcrtBufferSendFrom(&msg, 8, in, n) != RPC_S_OK)
        memcpy(req + 8, in, n);
    if (n > 0 && RpcrtBufferReceiveInto(&msg, 4, out, n) == RPC_S_OK)
        placed = 1;           /* the reply: conformance, then data_out */
    if ((st = call_end(&msg, &r)) != RPC_S_OK)
        return st;
    if (get_u32(&r, &count) != 0 || count != n || r.len - r.off < n) {
        st = RPC_X_BAD_STUB_DATA;
    } else {
        if (n > 0 && !placed)
            memcpy(out, r.p + r.off, n);
        r.off += n;
        if (get_u32(&r, &rv) != 0)
            st = RPC_X_BAD_STUB_DATA;
        else if (ret != NULL)
            *ret = (int32_t)rv;
    }
    I_RpcFreeBuffer(&msg);
    return st;
}

/* WaitForCancel (opnum 1) and AsyncWaitForCancel (7), called
 * synchronously: u32 timeout_ms in, u32 elapsed_ms and i32 result out. */
static RPC_STATUS
wait_call(RPC_BINDING_HANDLE h, unsigned opnum, uint32_t timeout_ms,
          uint32_t *elapsed_ms, int32_t *result)
{
    uint32_t o[2] = {0, 0};
    RPC_STATUS st = u32_call(h, opnum, timeout_ms, o, 2);

    if (elapsed_ms != NULL)
        *elapsed_ms = o[0];
    if (result != NULL)
        *result = (int32_t)o[1];
    return st;
}

/* WaitForCancelFault (2) and AsyncWaitForCancelAbort (8): i32 out. */
static RPC_STATUS
wait_fault_call(RPC_BINDING_HANDLE h, unsigned opnum, uint32_t timeout_ms,
                int32_t *ret)
{
    uint32_t o = 0;
    RPC_STATUS st = u32_call(h, opnum, timeout_ms, &o, 1);

    if (ret != NULL)
        *ret = (int32_t)o;
    return st;
}

RPC_STATUS
rpctest_wait_for_cancel(RPC_BINDING_HANDLE h, uint32_t timeout_ms,
                        uint32_t *elapsed_ms, int32_t *result)
{
    return wait_call(h, 1, timeout_ms, elapsed_ms, result);
}

RPC_STATUS
rpctest_wait_for_cancel_fault(RPC_BINDING_HANDLE h, uint32_t timeout_ms,
                              int32_t *ret)
{
    return wait_fault_call(h, 2, timeout_ms, ret);
}

RPC_STATUS
rpctest_sleep(RPC_BINDING_HANDLE h, uint32_t ms, int32_t *ret)
{
    uint32_t o = 0;
    RPC_STATUS st = u32_call(h, 3, ms, &o, 1);

    if (ret != NULL)
        *ret = (int32_t)o;
    return st;
}

RPC_STATUS
rpctest_get_stats(RPC_BINDING_HANDLE h, rpctest_stats *stats)
{
    RPC_MESSAGE msg;
    struct reader r;
    uint32_t v[6];
    RPC_STATUS st;

    if ((st = call(h, 4, NULL, 0, &msg, &r)) != RPC_S_OK)
        return st;
    for (int i = 0; i < 6; i++)
        if (get_u32(&r, &v[i]) != 0)
            st = RPC_X_BAD_STUB_DATA;
    I_RpcFreeBuffer(&msg);
    if (st == RPC_S_OK) {
        stats->calls_started = v[0];
        stats->calls_completed = v[1];
        stats->cancels_seen = v[2];
        stats->sleeps_completed = v[3];
        stats->orphans_seen = v[4];
        stats->current_calls = v[5];
    }
    return st;
}

RPC_STATUS
rpctest_fault(RPC_BINDING_HANDLE h, uint32_t status)
{
    return u32_call(h, 5, status, NULL, 0);
}

RPC_STATUS
rpctest_self_test(RPC_BINDING_HANDLE h, int32_t codes[3])
{
    RPC_MESSAGE msg;
    struct reader r;
    uint32_t v;
    RPC_STATUS st;

    if ((st = call(h, 6, NULL, 0, &msg, &r)) != RPC_S_OK)
        return st;
    for (int i = 0; i < 3; i++) {
        if (get_u32(&r, &v) != 0)
            st = RPC_X_BAD_STUB_DATA;
        codes[i] = (int32_t)v;
    }
    I_RpcFreeBuffer(&msg);
    return st;
}

RPC_STATUS
rpctest_raw(RPC_BINDING_HANDLE h, unsigned opnum, const void *stub, uint32_t len,
            uint8_t **reply, uint32_t *reply_len)
{
    RPC_MESSAGE msg;
    struct reader r;
    RPC_STATUS st;

    if (reply != NULL)
        *reply = NULL;
    if ((st = call(h, opnum, stub, len, &msg, &r)) != RPC_S_OK)
        return st;
    if (reply != NULL && (*reply = malloc(r.len ? r.len : 1)) != NULL) {
        memcpy(*reply, r.p, r.len);
        if (reply_len != NULL)
            *reply_len = r.len;
    }
    I_RpcFreeBuffer(&msg);
    return st;
}

/* ---- asynchronous calls (<rpcrt/rpcasync.h>) ------------------------------ */

RPC_STATUS
rpctest_async_begin(RPC_BINDING_HANDLE h, PRPC_ASYNC_STATE async, unsigned opnum,
                    const void *stub, uint32_t len)
{
    RPC_MESSAGE msg;
    RPC_STATUS st;

    memset(&msg, 0, sizeof(msg));
    msg.Handle = h;
    msg.BufferLength = len;
    msg.ProcNum = opnum;
    msg.RpcInterfaceInformation = &rpctest_client_if;
    msg.DataRepresentation = NDR_LOCAL_DATA_REPRESENTATION;
    if ((st = I_RpcGetBuffer(&msg)) != RPC_S_OK)
        return st;
    if (len > 0)
        memcpy(msg.Buffer, stub, len);
    /* The runtime takes the buffer whatever happens. */
    return I_RpcAsyncSend(&msg, async);
}

RPC_STATUS
rpctest_async_finish(PRPC_ASYNC_STATE async, RPC_BINDING_HANDLE h,
                     uint32_t *outs, int nouts)
{
    RPC_MESSAGE msg;
    struct reader r;
    RPC_STATUS st;

    memset(&msg, 0, sizeof(msg));
    msg.Handle = h;
    if ((st = RpcAsyncCompleteCall(async, &msg)) != RPC_S_OK)
        return st;
    r.p = msg.Buffer;
    r.len = msg.BufferLength;
    r.off = 0;
    r.big = (msg.DataRepresentation & NDR_INT_REP_MASK) == NDR_BIG_ENDIAN;
    for (int i = 0; i < nouts; i++)
        if (get_u32(&r, &outs[i]) != 0)
            st = RPC_X_BAD_STUB_DATA;
    I_RpcFreeBuffer(&msg);
    return st;
}

RPC_STATUS
rpctest_async_wait_for_cancel_begin(RPC_BINDING_HANDLE h, PRPC_ASYNC_STATE async,
                                    uint32_t timeout_ms)
{
    uint8_t in[4];

    put_u32(in, timeout_ms);
    return rpctest_async_begin(h, async, 7, in, 4);
}

RPC_STATUS
rpctest_async_wait_for_cancel_finish(PRPC_ASYNC_STATE async, RPC_BINDING_HANDLE h,
                                     uint32_t *elapsed_ms, int32_t *result)
{
    uint32_t o[2] = {0, 0};
    RPC_STATUS st = rpctest_async_finish(async, h, o, 2);

    if (elapsed_ms != NULL)
        *elapsed_ms = o[0];
    if (result != NULL)
        *result = (int32_t)o[1];
    return st;
}

RPC_STATUS
rpctest_async_wait_for_cancel_abort_begin(RPC_BINDING_HANDLE h,
                                          PRPC_ASYNC_STATE async,
                                          uint32_t timeout_ms)
{
    uint8_t in[4];

    put_u32(in, timeout_ms);
    return rpctest_async_begin(h, async, 8, in, 4);
}

RPC_STATUS
rpctest_async_wait_for_cancel_abort_finish(PRPC_ASYNC_STATE async,
                                           RPC_BINDING_HANDLE h, int32_t *ret)
{
    uint32_t o = 0;
    RPC_STATUS st = rpctest_async_finish(async, h, &o, 1);

    if (ret != NULL)
        *ret = (int32_t)o;
    return st;
}

RPC_STATUS
rpctest_async_wait_for_cancel(RPC_BINDING_HANDLE h, uint32_t timeout_ms,
                              uint32_t *elapsed_ms, int32_t *result)
{
    return wait_call(h, 7, timeout_ms, elapsed_ms, result);
}

RPC_STATUS
rpctest_async_wait_for_cancel_abort(RPC_BINDING_HANDLE h, uint32_t timeout_ms,
                                    int32_t *ret)
{
    return wait_fault_call(h, 8, timeout_ms, ret);
}
