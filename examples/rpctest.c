/*
 * examples/rpctest.c -- manager routines of the rpctest interface
 * (../shared/spec/rpctest.md), opnums 0..8, with hand-written NDR stubs.
 *
 * Written against the public API only (<rpcrt/rpc.h> and rpcrt's
 * <rpcrt/rpcrt_ext.h> for the orphan counter), as an application's
 * server would be: each routine reads its request from Message->Buffer in
 * the byte order Message->DataRepresentation names (big-endian requests
 * work too), gets its reply buffer from I_RpcGetBuffer, writes the reply
 * little-endian (the runtime's PDUs say so), and ends a call with a fault
 * through RpcRaiseException.  A request too short for its opnum is a fault
 * RPC_X_BAD_STUB_DATA (nca_s_fault_ndr), never a crash.
 *
 * Opnums 7 and 8 are served asynchronously (<rpcrt/rpcasync.h>): the
 * routine reads its request, takes the call asynchronous with
 * I_RpcAsyncSetHandle and returns, freeing its worker.  One driver
 * thread (started at the first such call, stopped by rpctest_fini) then
 * tests every outstanding call with
 * RpcServerTestCancel(RpcAsyncGetCallHandle(pAsync)) at most 1 ms apart
 * and ends it with RpcAsyncCompleteCall or RpcAsyncAbortCall, so any
 * number of them take one thread, not one each.
 */
#include <errno.h>
#include <stdlib.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <rpcrt/rpc.h>
#include <rpcrt/rpcrt_ext.h>

#include "examples/rpctest.h"

/* The counters of GetStats (opnum 4). */
static atomic_uint calls_started, calls_completed, cancels_seen,
    sleeps_completed, orphans_seen, current_calls;

/* ---- NDR by hand ---------------------------------------------------------- */

struct in {
    const unsigned char *p;
    size_t len, off;
    int be;
};

static void
in_init(struct in *in, PRPC_MESSAGE m)
{
    in->p = m->Buffer;
    in->len = m->BufferLength;
    in->off = 0;
    in->be = (m->DataRepresentation & NDR_INT_REP_MASK) == NDR_BIG_ENDIAN;
}

/* A u32, aligned to 4 (C706 14.2.2); a short stub faults the call. */
static uint32_t
get_u32(struct in *in)
{
    const unsigned char *b;
    size_t off = (in->off + 3) & ~(size_t)3;

    if (off > in->len || in->len - off < 4)
        RpcRaiseException(RPC_X_BAD_STUB_DATA);
    b = in->p + off;
    in->off = off + 4;
    if (in->be)
        return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
    return (uint32_t)b[3] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[1] << 8 | b[0];
}

static void
put_u32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

static unsigned char *
reply(PRPC_MESSAGE m, size_t len)
{
    RPC_STATUS st;

    m->BufferLength = (unsigned int)len;
    if ((st = I_RpcGetBuffer(m)) != RPC_S_OK)
        RpcRaiseException(st);
    return m->Buffer;
}

static long
ms_since(const struct timespec *t0)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long)(t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

static void
sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Every routine: counted in, counted out (also when it faults), and an
 * orphan counted when its client went away while it ran. */
#define ROUTINE_BEGIN(m) \
    atomic_fetch_add(&calls_started, 1); \
    atomic_fetch_add(&current_calls, 1); \
    RpcTryFinally {
#define ROUTINE_END(m) \
    } RpcFinally { \
        if (RpcrtServerTestOrphaned((m)->Handle) == RPC_S_OK) \
            atomic_fetch_add(&orphans_seen, 1); \
        atomic_fetch_add(&calls_completed, 1); \
        atomic_fetch_sub(&current_calls, 1); \
    } RpcEndFinally

/* Loops on RpcServerTestCancel(handle) for at most timeout_ms, sleeping
 * at most 1 ms between tests.  1 when cancelled. */
static int
wait_for_cancel(RPC_BINDING_HANDLE h, uint32_t timeout_ms, uint32_t *elapsed)
{
    struct timespec t0, nap = {0, 500 * 1000};
    int cancelled = 0;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        if (RpcServerTestCancel(h) == RPC_S_OK) {
            atomic_fetch_add(&cancels_seen, 1);
            cancelled = 1;
            break;
        }
        if (ms_since(&t0) >= (long)timeout_ms)
            break;
        nanosleep(&nap, NULL);
    }
    *elapsed = (uint32_t)ms_since(&t0);
    return cancelled;
}

/* ---- the routines -------------------------------------------------------- */

/* 0: long Echo([in] unsigned long n, [in, size_is(n)] byte data_in[],
 *             [out, size_is(n)] byte data_out[]) */
static void
rpctest_Echo(PRPC_MESSAGE m)
{
    ROUTINE_BEGIN(m)
    struct in in;
    uint32_t n, max;
    const unsigned char *data;
    unsigned char *out;
    size_t pad;

    in_init(&in, m);
    n = get_u32(&in);
    max = get_u32(&in);             /* conformance of data_in */
    if (max != n || in.len - in.off < n)
        RpcRaiseException(RPC_X_BAD_STUB_DATA);
    data = in.p + in.off;
    /* Reply: conformance, n bytes, padding to 4, the long result.  The
     * request buffer stays valid while the reply is written, and until
     * the reply is out: the n bytes go out from there, not copied
     * (RpcrtBufferSendFrom), unless the runtime says no. */
    pad = (4 - (n & 3)) & 3;
    out = reply(m, 4 + (size_t)n + pad + 4);
    put_u32(out, n);
    if (n > 0 && RpcrtBufferSendFrom(m, 4, data, n) != RPC_S_OK)
        memcpy(out + 4, data, n);
    memset(out + 4 + n, 0, pad);
    put_u32(out + 4 + n + pad, 0);
    ROUTINE_END(m)
}

/* 1: long WaitForCancel([in] unsigned long timeout_ms,
 *                       [out] unsigned long *elapsed_ms) */
static void
rpctest_WaitForCancel(PRPC_MESSAGE m)
{
    ROUTINE_BEGIN(m)
    struct in in;
    uint32_t timeout, elapsed;
    unsigned char *out;
    int r;

    in_init(&in, m);
    timeout = get_u32(&in);
    /* The calling thread's call: handle 0. */
    r = wait_for_cancel(NULL, timeout, &elapsed);
    out = reply(m, 8);
    put_u32(out, elapsed);
    put_u32(out + 4, (uint32_t)r);
    ROUTINE_END(m)
}

/* 2: long WaitForCancelFault([in] unsigned long timeout_ms) */
static void
rpctest_WaitForCancelFault(PRPC_MESSAGE m)
{
    ROUTINE_BEGIN(m)
    struct in in;
    uint32_t timeout, elapsed;

    in_init(&in, m);
    timeout = get_u32(&in);
    /* The call's own binding handle this time. */
    if (wait_for_cancel(m->Handle, timeout, &elapsed))
        RpcRaiseException(RPC_S_CALL_CANCELLED);    /* nca_s_fault_cancel */
    put_u32(reply(m, 4), 0);
    ROUTINE_END(m)
}

/* 3: long Sleep([in] unsigned long ms) -- never tests for cancel. */
static void
rpctest_Sleep(PRPC_MESSAGE m)
{
    ROUTINE_BEGIN(m)
    struct in in;
    uint32_t ms;

    in_init(&in, m);
    ms = get_u32(&in);
    sleep_ms((long)ms);
    atomic_fetch_add(&sleeps_completed, 1);
    put_u32(reply(m, 4), 0);
    ROUTINE_END(m)
}

/* 4: void GetStats([out] rpctest_stats *stats) */
static void
rpctest_GetStats(PRPC_MESSAGE m)
{
    ROUTINE_BEGIN(m)
    unsigned char *out = reply(m, 24);

    put_u32(out, atomic_load(&calls_started));
    put_u32(out + 4, atomic_load(&calls_completed));
    put_u32(out + 8, atomic_load(&cancels_seen));
    put_u32(out + 12, atomic_load(&sleeps_completed));
    put_u32(out + 16, atomic_load(&orphans_seen));
    put_u32(out + 20, atomic_load(&current_calls));
    ROUTINE_END(m)
}

/* 5: void Fault([in] unsigned long status) */
static void
rpctest_Fault(PRPC_MESSAGE m)
{
    ROUTINE_BEGIN(m)
    struct in in;
    uint32_t status;

    in_init(&in, m);
    status = get_u32(&in);
    /* The 32-bit value as a 32-bit RPC_STATUS would hold it. */
    RpcRaiseException(status <= 0x7fffffffu ? (RPC_STATUS)status
                                            : -(RPC_STATUS)(~status) - 1);
    ROUTINE_END(m)
}

static void *
test_from_other_thread(void *arg)
{
    *(RPC_STATUS *)arg = RpcServerTestCancel(NULL);
    return NULL;
}

/* 6: void SelfTest([out] long codes[3]) */
static void
rpctest_SelfTest(PRPC_MESSAGE m)
{
    ROUTINE_BEGIN(m)
    RPC_STATUS codes[3];
    unsigned char *out;
    pthread_t t;
    int not_a_handle;

    /* A thread that serves no call: RPC_S_NO_CALL_ACTIVE. */
    codes[0] = RPC_S_INTERNAL_ERROR;
    if (pthread_create(&t, NULL, test_from_other_thread, &codes[0]) == 0)
        pthread_join(t, NULL);
    /* This call's own handle, not cancelled: RPC_S_CALL_IN_PROGRESS. */
    codes[1] = RpcServerTestCancel(m->Handle);
    /* Something that is not a binding: RPC_S_INVALID_BINDING. */
    codes[2] = RpcServerTestCancel(&not_a_handle);
    out = reply(m, 12);
    for (int i = 0; i < 3; i++)
        put_u32(out + 4 * i, (uint32_t)codes[i]);
    ROUTINE_END(m)
}

/* ---- asynchronous routines (7, 8) --------------------------------------- */

struct pending {
    struct pending *next;
    RPC_ASYNC_STATE async;
    struct timespec t0;
    uint32_t timeout;
    int abort_on_cancel;            /* opnum 8 */
};

static pthread_mutex_t drv_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t drv_cond = PTHREAD_COND_INITIALIZER;
static struct pending *drv_list;
static int drv_started, drv_stop;
static pthread_t drv_tid;

/* The call's end: counters as ROUTINE_END keeps them. */
static void
async_counted_out(struct pending *p)
{
    if (RpcrtServerTestOrphaned(RpcAsyncGetCallHandle(&p->async)) == RPC_S_OK)
        atomic_fetch_add(&orphans_seen, 1);
    atomic_fetch_add(&calls_completed, 1);
    atomic_fetch_sub(&current_calls, 1);
}

/* Ends p with the reply of its opnum; cancelled: 1 when it saw a cancel,
 * or -1 to give up (fini). */
static void
async_end(struct pending *p, int cancelled)
{
    RPC_MESSAGE r;
    uint32_t elapsed = (uint32_t)ms_since(&p->t0);

    async_counted_out(p);
    if (cancelled < 0) {
        RpcAsyncAbortCall(&p->async, RPC_S_CALL_CANCELLED);
        return;
    }
    if (p->abort_on_cancel && cancelled) {
        /* A fault with nca_s_fault_cancel. */
        RpcAsyncAbortCall(&p->async, RPC_S_CALL_CANCELLED);
        return;
    }
    /* The reply buffer, from any thread: I_RpcGetBuffer on the call's
     * handle; RpcAsyncCompleteCall sends its first BufferLength bytes. */
    memset(&r, 0, sizeof(r));
    r.Handle = RpcAsyncGetCallHandle(&p->async);
    r.BufferLength = p->abort_on_cancel ? 4 : 8;
    if (I_RpcGetBuffer(&r) != RPC_S_OK) {
        RpcAsyncAbortCall(&p->async, RPC_S_OUT_OF_MEMORY);
        return;
    }
    if (p->abort_on_cancel) {
        put_u32(r.Buffer, 0);
    } else {
        put_u32(r.Buffer, elapsed);
        put_u32((unsigned char *)r.Buffer + 4, (uint32_t)cancelled);
    }
    RpcAsyncCompleteCall(&p->async, &r);
}

static void *
driver_main(void *arg)
{
    struct timespec nap = {0, 500 * 1000};

    (void)arg;
    pthread_mutex_lock(&drv_lock);
    for (;;) {
        struct pending *list, *keep = NULL;
        int stop;

        while (drv_list == NULL && !drv_stop)
            pthread_cond_wait(&drv_cond, &drv_lock);
        if (drv_list == NULL && drv_stop)
            break;
        list = drv_list;
        drv_list = NULL;
        stop = drv_stop;
        pthread_mutex_unlock(&drv_lock);

        /* Without drv_lock: the runtime calls take their own locks. */
        while (list != NULL) {
            struct pending *p = list;

            list = p->next;
            if (stop) {
                async_end(p, -1);
                free(p);
            } else if (RpcServerTestCancel(RpcAsyncGetCallHandle(&p->async)) == RPC_S_OK) {
                atomic_fetch_add(&cancels_seen, 1);
                async_end(p, 1);
                free(p);
            } else if (ms_since(&p->t0) >= (long)p->timeout) {
                async_end(p, 0);
                free(p);
            } else {
                p->next = keep;
                keep = p;
            }
        }
        pthread_mutex_lock(&drv_lock);
        if (keep != NULL) {
            struct pending *last = keep;

            while (last->next != NULL)
                last = last->next;
            last->next = drv_list;
            drv_list = keep;
            pthread_mutex_unlock(&drv_lock);
            nanosleep(&nap, NULL);      /* tests at most 1 ms apart */
            pthread_mutex_lock(&drv_lock);
        }
    }
    pthread_mutex_unlock(&drv_lock);
    return NULL;
}

/* Opnums 7 and 8: read timeout_ms, take the call asynchronous, queue it
 * for the driver, return. */
static void
async_wait_routine(PRPC_MESSAGE m, int abort_on_cancel)
{
    struct pending *volatile pv = NULL;

    atomic_fetch_add(&calls_started, 1);
    atomic_fetch_add(&current_calls, 1);
    RpcTryFinally {
        struct in in;
        struct pending *p;
        RPC_STATUS st;

        in_init(&in, m);
        if ((p = calloc(1, sizeof(*p))) == NULL)
            RpcRaiseException(RPC_S_OUT_OF_MEMORY);
        pv = p;
        p->timeout = get_u32(&in);
        p->abort_on_cancel = abort_on_cancel;
        clock_gettime(CLOCK_MONOTONIC, &p->t0);
        RpcAsyncInitializeHandle(&p->async, sizeof(p->async));
        p->async.NotificationType = RpcNotificationTypeNone;
        p->async.UserInfo = p;
        if ((st = I_RpcAsyncSetHandle(m, &p->async)) != RPC_S_OK)
            RpcRaiseException(st);
        pthread_mutex_lock(&drv_lock);
        if (!drv_started && pthread_create(&drv_tid, NULL, driver_main, NULL) == 0)
            drv_started = 1;
        if (!drv_started) {
            pthread_mutex_unlock(&drv_lock);
            /* The call is asynchronous already: end it here. */
            pv = NULL;
            async_counted_out(p);
            RpcAsyncAbortCall(&p->async, RPC_S_OUT_OF_THREADS);
            free(p);
        } else {
            p->next = drv_list;
            drv_list = p;
            pv = NULL;                  /* the driver's now */
            pthread_cond_signal(&drv_cond);
            pthread_mutex_unlock(&drv_lock);
        }
    } RpcFinally {
        if (pv != NULL) {
            /* Faulted before the call became the driver's (a short
             * request): counted out as a synchronous routine. */
            if (RpcrtServerTestOrphaned(m->Handle) == RPC_S_OK)
                atomic_fetch_add(&orphans_seen, 1);
            atomic_fetch_add(&calls_completed, 1);
            atomic_fetch_sub(&current_calls, 1);
            free(pv);
        }
    } RpcEndFinally
}

/* 7: long AsyncWaitForCancel([in] unsigned long timeout_ms,
 *                            [out] unsigned long *elapsed_ms) */
static void
rpctest_AsyncWaitForCancel(PRPC_MESSAGE m)
{
    async_wait_routine(m, 0);
}

/* 8: long AsyncWaitForCancelAbort([in] unsigned long timeout_ms) */
static void
rpctest_AsyncWaitForCancelAbort(PRPC_MESSAGE m)
{
    async_wait_routine(m, 1);
}

void
rpctest_fini(void)
{
    int started;

    pthread_mutex_lock(&drv_lock);
    started = drv_started;
    drv_stop = 1;
    pthread_cond_signal(&drv_cond);
    pthread_mutex_unlock(&drv_lock);
    if (started)
        pthread_join(drv_tid, NULL);
    pthread_mutex_lock(&drv_lock);
    drv_started = 0;
    drv_stop = 0;
    pthread_mutex_unlock(&drv_lock);
}

/* ---- the interface ------------------------------------------------------- */

static RPC_DISPATCH_FUNCTION rpctest_table[] = {
    rpctest_Echo,
    rpctest_WaitForCancel,
    rpctest_WaitForCancelFault,
    rpctest_Sleep,
    rpctest_GetStats,
    rpctest_Fault,
    rpctest_SelfTest,
    rpctest_AsyncWaitForCancel,
    rpctest_AsyncWaitForCancelAbort,
};

static RPC_DISPATCH_TABLE rpctest_dispatch = {
    sizeof(rpctest_table) / sizeof(rpctest_table[0]), rpctest_table, 0
};

RPC_SERVER_INTERFACE rpctest___RpcServerInterface = {
    sizeof(RPC_SERVER_INTERFACE),
    {{0x25b0ad95, 0x8a83, 0x4c70, {0xb4, 0x53, 0xe0, 0xc2, 0x02, 0xc9, 0xd6, 0x16}},
     {1, 0}},
    {{0x8a885d04, 0x1ceb, 0x11c9, {0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60}},
     {2, 0}},
    &rpctest_dispatch,
    0, NULL, NULL, NULL, 0,
};

RPC_IF_HANDLE rpctest_v1_0_s_ifspec = &rpctest___RpcServerInterface;

RPC_STATUS
rpctest_register(void)
{
    return RpcServerRegisterIf2(rpctest_v1_0_s_ifspec, NULL, NULL, 0,
                                RPC_C_LISTEN_MAX_CALLS_DEFAULT, (unsigned int)-1,
                                NULL);
}
