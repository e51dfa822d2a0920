/*
 * tests/check_async.c -- asynchronous RPC (<rpcrt/rpcasync.h>) from the
 * client side, against a real rpctest-server, on both transports (_i: 0
 * TCP, 1 ncalrpc): the status table of every RpcAsync* function including
 * misuse, the three notification types, RpcAsyncCancelCall in both modes
 * against the server's asynchronous opnums 7 and 8, a synchronous client
 * cancelling them, and 1,000 calls in flight from one thread against a
 * server with 4 worker threads.  Deadlines are generous (a loaded 2-core
 * machine); timings are printed, not asserted tightly.  ASYNC_VERBOSE=1
 * in the environment starts the suite's server with --verbose.
 */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/resource.h>

#include <rpcrt/rpc.h>

#include "examples/rpctest_client.h"
#include "tests/tests.h"
#include "tests/testsrv.h"

#define CS(s) ((RPC_CSTR)(uintptr_t)(s))

static struct testsrv srv;

static void
srv_up(void)
{
    static const char *const v[] = {"--verbose", NULL};
    signal(SIGPIPE, SIG_IGN);
    testsrv_start(&srv, getenv("ASYNC_VERBOSE") ? v : NULL);
}

static void
srv_down(void)
{
    testsrv_stop(&srv);
}

static RPC_BINDING_HANDLE
bind_to(const struct testsrv *s, int lrpc)
{
    RPC_BINDING_HANDLE h = NULL;

    ck_assert_int_eq(RpcBindingFromStringBinding(CS(lrpc ? s->lrpc : s->tcp), &h),
                     RPC_S_OK);
    return h;
}

static void
init_async(RPC_ASYNC_STATE *a, RPC_NOTIFICATION_TYPES type)
{
    memset(a, 0, sizeof(*a));
    ck_assert_int_eq(RpcAsyncInitializeHandle(a, sizeof(*a)), RPC_S_OK);
    a->NotificationType = type;
}

/* Polls RpcAsyncGetCallStatus until the call is no longer pending (at
 * most 20 s); its status. */
static RPC_STATUS
wait_done(RPC_ASYNC_STATE *a)
{
    double until = tu_now_ms() + 20000;
    RPC_STATUS st;

    while ((st = RpcAsyncGetCallStatus(a)) == RPC_S_ASYNC_CALL_PENDING &&
           tu_now_ms() < until)
        usleep(1000);
    return st;
}

/* Waits until the server runs no call but the GetStats asking. */
static void
wait_server_idle(RPC_BINDING_HANDLE h, rpctest_stats *st)
{
    for (int i = 0; i < 500; i++) {
        ck_assert_int_eq(rpctest_get_stats(h, st), RPC_S_OK);
        if (st->current_calls == 1)
            return;
        usleep(20000);
    }
    ck_abort_msg("server calls still running: %u", st->current_calls);
}

/* ---- the status table, misuse ------------------------------------------ */

START_TEST(test_async_statuses)
{
    RPC_ASYNC_STATE a, garbage, fresh, copy;
    RPC_BINDING_HANDLE h = bind_to(&srv, _i);
    RPC_MESSAGE m;
    uint32_t elapsed;
    int32_t result;

    /* RpcAsyncInitializeHandle */
    ck_assert_int_eq(RpcAsyncInitializeHandle(NULL, sizeof(a)), RPC_S_INVALID_ARG);
    ck_assert_int_eq(RpcAsyncInitializeHandle(&a, sizeof(a) - 1), RPC_S_INVALID_ARG);
    ck_assert_int_eq(RpcAsyncInitializeHandle(&a, sizeof(a) + 8), RPC_S_INVALID_ARG);
    ck_assert_int_eq(RpcAsyncInitializeHandle(&a, 0), RPC_S_INVALID_ARG);
    init_async(&a, RpcNotificationTypeNone);
    ck_assert_uint_eq(a.Signature, RPC_ASYNC_SIGNATURE);
    ck_assert_uint_eq(a.Signature, 0x43595341);
    ck_assert_uint_eq(a.Size, sizeof(a));
    ck_assert_ptr_null(a.RuntimeInfo);

    /* NULL, uninitialised memory, a wrong Size: invalid handle. */
    memset(&garbage, 0xa5, sizeof(garbage));
    ck_assert_int_eq(RpcAsyncGetCallStatus(NULL), RPC_S_INVALID_ASYNC_HANDLE);
    ck_assert_int_eq(RpcAsyncCompleteCall(NULL, NULL), RPC_S_INVALID_ASYNC_HANDLE);
    ck_assert_int_eq(RpcAsyncAbortCall(NULL, 5), RPC_S_INVALID_ASYNC_HANDLE);
    ck_assert_int_eq(RpcAsyncCancelCall(NULL, 0), RPC_S_INVALID_ASYNC_HANDLE);
    ck_assert_ptr_null(RpcAsyncGetCallHandle(NULL));
    ck_assert_int_eq(RpcAsyncGetCallStatus(&garbage), RPC_S_INVALID_ASYNC_HANDLE);
    ck_assert_int_eq(RpcAsyncCompleteCall(&garbage, NULL), RPC_S_INVALID_ASYNC_HANDLE);
    ck_assert_int_eq(RpcAsyncAbortCall(&garbage, 5), RPC_S_INVALID_ASYNC_HANDLE);
    ck_assert_int_eq(RpcAsyncCancelCall(&garbage, 1), RPC_S_INVALID_ASYNC_HANDLE);
    ck_assert_ptr_null(RpcAsyncGetCallHandle(&garbage));
    /* Right signature, garbage runtime pointer: no call of ours. */
    init_async(&fresh, RpcNotificationTypeNone);
    fresh.RuntimeInfo = &garbage;
    ck_assert_int_eq(RpcAsyncGetCallStatus(&fresh), RPC_S_INVALID_ASYNC_HANDLE);
    ck_assert_int_eq(rpctest_async_wait_for_cancel_begin(h, &fresh, 10),
                     RPC_S_INVALID_ASYNC_HANDLE);
    /* Initialised, no call started. */
    init_async(&fresh, RpcNotificationTypeNone);
    ck_assert_int_eq(RpcAsyncGetCallStatus(&fresh), RPC_S_INVALID_ASYNC_HANDLE);
    ck_assert_int_eq(RpcAsyncCompleteCall(&fresh, NULL), RPC_S_INVALID_ASYNC_HANDLE);
    ck_assert_int_eq(RpcAsyncCancelCall(&fresh, 0), RPC_S_INVALID_ASYNC_HANDLE);
    ck_assert_ptr_null(RpcAsyncGetCallHandle(&fresh));
    fresh.Size = 3;
    ck_assert_int_eq(RpcAsyncGetCallStatus(&fresh), RPC_S_INVALID_ASYNC_HANDLE);

    /* I_RpcAsyncSend's own refusals: nothing is started. */
    ck_assert_int_eq(I_RpcAsyncSend(NULL, &a), RPC_S_INVALID_ARG);
    memset(&m, 0, sizeof(m));
    m.Handle = &garbage;
    ck_assert_int_eq(I_RpcAsyncSend(&m, &a), RPC_S_INVALID_BINDING);
    ck_assert_int_eq(RpcAsyncGetCallStatus(&a), RPC_S_INVALID_ASYNC_HANDLE);
    init_async(&fresh, RpcNotificationTypeApc);
    ck_assert_int_eq(rpctest_async_wait_for_cancel_begin(h, &fresh, 10),
                     RPC_S_CANNOT_SUPPORT);
    init_async(&fresh, RpcNotificationTypeCallback);
    fresh.u.NotificationRoutine = NULL;
    ck_assert_int_eq(rpctest_async_wait_for_cancel_begin(h, &fresh, 10),
                     RPC_S_INVALID_ARG);

    /* A call in flight: pending, then done. */
    ck_assert_int_eq(rpctest_async_wait_for_cancel_begin(h, &a, 300), RPC_S_OK);
    ck_assert_int_eq(RpcAsyncGetCallStatus(&a), RPC_S_ASYNC_CALL_PENDING);
    ck_assert_int_eq(RpcAsyncCompleteCall(&a, NULL), RPC_S_ASYNC_CALL_PENDING);
    ck_assert_ptr_eq(RpcAsyncGetCallHandle(&a), h);
    /* Not the client's: RpcAsyncAbortCall. */
    ck_assert_int_eq(RpcAsyncAbortCall(&a, RPC_S_CALL_CANCELLED),
                     RPC_S_WRONG_KIND_OF_BINDING);
    /* The same structure for a second call while the first is in flight. */
    ck_assert_int_eq(rpctest_async_wait_for_cancel_begin(h, &a, 10),
                     RPC_S_INVALID_ASYNC_CALL);
    /* A copy of it is somebody else's structure. */
    memcpy(&copy, &a, sizeof(copy));
    ck_assert_int_eq(RpcAsyncGetCallStatus(&copy), RPC_S_INVALID_ASYNC_HANDLE);
    ck_assert_int_eq(RpcAsyncCompleteCall(&copy, NULL), RPC_S_INVALID_ASYNC_HANDLE);
    ck_assert_int_eq(RpcAsyncCancelCall(&copy, 1), RPC_S_INVALID_ASYNC_HANDLE);
    ck_assert_int_eq(wait_done(&a), RPC_S_OK);
    ck_assert_int_eq(RpcAsyncGetCallStatus(&a), RPC_S_OK);
    /* Cancelling a completed call: nothing to do. */
    ck_assert_int_eq(RpcAsyncCancelCall(&a, 0), RPC_S_OK);
    ck_assert_int_eq(RpcAsyncCancelCall(&a, 1), RPC_S_OK);
    ck_assert_int_eq(rpctest_async_wait_for_cancel_finish(&a, h, &elapsed, &result),
                     RPC_S_OK);
    ck_assert_int_eq(result, 0);
    ck_assert_uint_ge(elapsed, 300);

    /* Ended: completing twice, aborting, cancelling, asking. */
    ck_assert_int_eq(RpcAsyncCompleteCall(&a, NULL), RPC_S_INVALID_ASYNC_CALL);
    ck_assert_int_eq(RpcAsyncAbortCall(&a, RPC_S_CALL_CANCELLED), RPC_S_INVALID_ASYNC_CALL);
    ck_assert_int_eq(RpcAsyncCancelCall(&a, 0), RPC_S_INVALID_ASYNC_CALL);
    ck_assert_int_eq(RpcAsyncGetCallStatus(&a), RPC_S_INVALID_ASYNC_CALL);
    ck_assert_ptr_null(RpcAsyncGetCallHandle(&a));

    /* The structure may carry a new call once the last one ended. */
    ck_assert_int_eq(rpctest_async_wait_for_cancel_begin(h, &a, 10), RPC_S_OK);
    ck_assert_int_eq(wait_done(&a), RPC_S_OK);
    ck_assert_int_eq(RpcAsyncCompleteCall(&a, NULL), RPC_S_OK);   /* reply dropped */
    RpcBindingFree(&h);
}
END_TEST

/* A fault reaches RpcAsyncCompleteCall as the call's status; an
 * unreachable server is I_RpcAsyncSend's error (no call started). */
START_TEST(test_async_fault_and_unreachable)
{
    RPC_BINDING_HANDLE h = bind_to(&srv, _i), dead = NULL;
    RPC_ASYNC_STATE a;
    uint8_t stub[4] = {0x05, 0, 0, 0};         /* Fault(RPC_S_ACCESS_DENIED) */

    init_async(&a, RpcNotificationTypeNone);
    ck_assert_int_eq(rpctest_async_begin(h, &a, 5, stub, 4), RPC_S_OK);
    ck_assert_int_eq(wait_done(&a), RPC_S_ACCESS_DENIED);
    ck_assert_int_eq(rpctest_async_finish(&a, h, NULL, 0), RPC_S_ACCESS_DENIED);
    ck_assert_int_eq(RpcAsyncGetCallStatus(&a), RPC_S_INVALID_ASYNC_CALL);
    /* Unknown opnum. */
    init_async(&a, RpcNotificationTypeNone);
    ck_assert_int_eq(rpctest_async_begin(h, &a, 9, NULL, 0), RPC_S_OK);
    ck_assert_int_eq(wait_done(&a), RPC_S_PROCNUM_OUT_OF_RANGE);
    ck_assert_int_eq(RpcAsyncCompleteCall(&a, NULL), RPC_S_PROCNUM_OUT_OF_RANGE);

    ck_assert_int_eq(RpcBindingFromStringBinding(
                         CS(_i ? "ncalrpc:[rpctest-nobody-here]" : "ncacn_ip_tcp:127.0.0.1[1]"),
                         &dead), RPC_S_OK);
    init_async(&a, RpcNotificationTypeNone);
    ck_assert_int_eq(rpctest_async_wait_for_cancel_begin(dead, &a, 10),
                     RPC_S_SERVER_UNAVAILABLE);
    ck_assert_int_eq(RpcAsyncGetCallStatus(&a), RPC_S_INVALID_ASYNC_HANDLE);
    RpcBindingFree(&dead);
    RpcBindingFree(&h);
}
END_TEST

/* ---- notification types -------------------------------------------------- */

START_TEST(test_async_event_fd)
{
    RPC_BINDING_HANDLE h = bind_to(&srv, _i);
    RPC_ASYNC_STATE a;
    struct pollfd p;
    uint64_t v = 0;
    uint32_t elapsed;
    int32_t result;
    int efd = eventfd(0, EFD_CLOEXEC);

    ck_assert_int_ge(efd, 0);
    init_async(&a, RpcNotificationTypeEvent);
    a.u.hEvent = efd;
    ck_assert_int_eq(rpctest_async_wait_for_cancel_begin(h, &a, 100), RPC_S_OK);
    p.fd = efd;
    p.events = POLLIN;
    ck_assert_int_eq(poll(&p, 1, 20000), 1);
    ck_assert_int_eq(read(efd, &v, sizeof(v)), (ssize_t)sizeof(v));
    ck_assert_uint_eq(v, 1);
    ck_assert_int_eq(RpcAsyncGetCallStatus(&a), RPC_S_OK);
    ck_assert_int_eq(rpctest_async_wait_for_cancel_finish(&a, h, &elapsed, &result),
                     RPC_S_OK);
    ck_assert_int_eq(result, 0);
    ck_assert_uint_ge(elapsed, 100);
    /* Exactly once. */
    p.revents = 0;
    ck_assert_int_eq(poll(&p, 1, 200), 0);
    close(efd);
    RpcBindingFree(&h);
}
END_TEST

struct cb_state {
    atomic_int calls;
    atomic_int other_thread;
    pthread_t caller;
    RPC_BINDING_HANDLE h;
    RPC_STATUS st;
    int32_t result;
};

static void RPC_ENTRY
on_complete(struct _RPC_ASYNC_STATE *a, void *ctx, RPC_ASYNC_EVENT ev)
{
    struct cb_state *s = a->UserInfo;
    uint32_t elapsed;

    (void)ctx;
    ck_assert_int_eq(ev, RpcCallComplete);
    if (!pthread_equal(pthread_self(), s->caller))
        atomic_store(&s->other_thread, 1);
    /* Completing from the callback is allowed. */
    s->st = rpctest_async_wait_for_cancel_finish(a, s->h, &elapsed, &s->result);
    atomic_fetch_add(&s->calls, 1);
}

START_TEST(test_async_callback)
{
    struct cb_state s = {.h = bind_to(&srv, _i), .caller = pthread_self(),
                         .st = -1, .result = -1};
    RPC_ASYNC_STATE a;
    double until = tu_now_ms() + 20000;

    init_async(&a, RpcNotificationTypeCallback);
    a.u.NotificationRoutine = on_complete;
    a.UserInfo = &s;
    ck_assert_int_eq(rpctest_async_wait_for_cancel_begin(s.h, &a, 50), RPC_S_OK);
    while (atomic_load(&s.calls) == 0 && tu_now_ms() < until)
        usleep(1000);
    usleep(100000);
    ck_assert_int_eq(atomic_load(&s.calls), 1);
    ck_assert_int_eq(atomic_load(&s.other_thread), 1);
    ck_assert_int_eq(s.st, RPC_S_OK);
    ck_assert_int_eq(s.result, 0);
    ck_assert_int_eq(RpcAsyncGetCallStatus(&a), RPC_S_INVALID_ASYNC_CALL);
    RpcBindingFree(&s.h);
}
END_TEST

/* ---- RpcAsyncCancelCall ---------------------------------------------------- */

/* FALSE: a co_cancel; the call completes with the server's answer. */
START_TEST(test_async_cancel_soft)
{
    RPC_BINDING_HANDLE h = bind_to(&srv, _i);
    RPC_ASYNC_STATE a;
    uint32_t elapsed = 0;
    int32_t result = -1, ret;
    double t0, at, done;

    init_async(&a, RpcNotificationTypeNone);
    t0 = tu_now_ms();
    ck_assert_int_eq(rpctest_async_wait_for_cancel_begin(h, &a, 20000), RPC_S_OK);
    usleep(300000);
    at = tu_now_ms();
    ck_assert_int_eq(RpcAsyncCancelCall(&a, 0), RPC_S_OK);
    ck_assert_int_eq(wait_done(&a), RPC_S_OK);
    done = tu_now_ms();
    ck_assert_int_eq(rpctest_async_wait_for_cancel_finish(&a, h, &elapsed, &result),
                     RPC_S_OK);
    fprintf(stderr, "async AsyncWaitForCancel, soft cancel after %.0f ms: "
            "elapsed_ms %u, completed %.1f ms after the cancel\n",
            at - t0, elapsed, done - at);
    ck_assert_int_eq(result, 1);
    /* Not ended before the cancel; the routine may start well after the
     * call on a loaded machine, hence a quarter of the 300 ms. */
    ck_assert_uint_ge(elapsed, 75);
    ck_assert_uint_lt(elapsed, 10000);

    /* Opnum 8: the server aborts with RPC_S_CALL_CANCELLED. */
    init_async(&a, RpcNotificationTypeNone);
    ck_assert_int_eq(rpctest_async_wait_for_cancel_abort_begin(h, &a, 20000), RPC_S_OK);
    usleep(200000);
    ck_assert_int_eq(RpcAsyncCancelCall(&a, 0), RPC_S_OK);
    /* Twice is fine: a second co_cancel. */
    RPC_STATUS st2 = RpcAsyncCancelCall(&a, 0);
    ck_assert(st2 == RPC_S_OK);
    ck_assert_int_eq(wait_done(&a), RPC_S_CALL_CANCELLED);
    ck_assert_int_eq(rpctest_async_wait_for_cancel_abort_finish(&a, h, &ret),
                     RPC_S_CALL_CANCELLED);
    RpcBindingFree(&h);
}
END_TEST

/* TRUE: complete at once; the server sees the orphan, the binding works
 * on. */
START_TEST(test_async_cancel_abort)
{
    RPC_BINDING_HANDLE h = bind_to(&srv, _i), h2 = bind_to(&srv, _i);
    RPC_ASYNC_STATE a;
    rpctest_stats before, after;
    int32_t ret;

    for (int op = 7; op <= 8; op++) {
        double at;

        wait_server_idle(h2, &before);
        init_async(&a, RpcNotificationTypeNone);
        ck_assert_int_eq(op == 7 ? rpctest_async_wait_for_cancel_begin(h, &a, 20000)
                                 : rpctest_async_wait_for_cancel_abort_begin(h, &a, 20000),
                         RPC_S_OK);
        usleep(200000);
        at = tu_now_ms();
        ck_assert_int_eq(RpcAsyncCancelCall(&a, 1), RPC_S_OK);
        /* Completed at once, whatever the server does. */
        ck_assert_int_eq(RpcAsyncGetCallStatus(&a), RPC_S_CALL_CANCELLED);
        ck_assert_int_eq(RpcAsyncCompleteCall(&a, NULL), RPC_S_CALL_CANCELLED);
        ck_assert_double_lt(tu_now_ms() - at, 1000);
        ck_assert_int_eq(RpcAsyncCancelCall(&a, 1), RPC_S_INVALID_ASYNC_CALL);
        /* The server's routine saw the cancel and ended the call.  Whether
         * it also saw the orphan depends on whether the orphaned PDU, sent
         * right after the co_cancel, arrived before the driver thread
         * (which tests every 0.5 ms) ended the call: counted, not
         * asserted. */
        wait_server_idle(h2, &after);
        ck_assert_uint_eq(after.cancels_seen, before.cancels_seen + 1);
        ck_assert_uint_le(after.orphans_seen, before.orphans_seen + 1);
        fprintf(stderr, "async abort of opnum %d: orphan %sseen by the server\n", op,
                after.orphans_seen > before.orphans_seen ? "" : "not ");
    }
    ck_assert_int_eq(rpctest_async_wait_for_cancel_abort(h, 10, &ret), RPC_S_OK);
    RpcBindingFree(&h2);
    RpcBindingFree(&h);
}
END_TEST

/* ---- a synchronous client cancels the server's async calls ---------------- */

struct caller {
    RPC_BINDING_HANDLE h;
    int abort_op;
    RPC_STATUS st;
    uint32_t elapsed;
    int32_t result;
    double started;
    atomic_int in_flight;
};

static void *
caller_main(void *p)
{
    struct caller *c = p;

    RpcMgmtSetCancelTimeout(10);
    c->started = tu_now_ms();
    atomic_store(&c->in_flight, 1);
    if (c->abort_op)
        c->st = rpctest_async_wait_for_cancel_abort(c->h, 20000, &c->result);
    else
        c->st = rpctest_async_wait_for_cancel(c->h, 20000, &c->elapsed, &c->result);
    return NULL;
}

START_TEST(test_sync_client_cancels_async)
{
    for (int abort_op = 0; abort_op < 2; abort_op++) {
        struct caller c = {.h = bind_to(&srv, _i), .abort_op = abort_op};
        pthread_t t;
        double at;

        ck_assert_int_eq(pthread_create(&t, NULL, caller_main, &c), 0);
        while (!atomic_load(&c.in_flight))
            usleep(1000);
        usleep(300000);
        at = tu_now_ms();
        ck_assert_int_eq(RpcCancelThread(&t), RPC_S_OK);
        pthread_join(t, NULL);
        if (abort_op) {
            ck_assert_int_eq(c.st, RPC_S_CALL_CANCELLED);
        } else {
            fprintf(stderr, "sync AsyncWaitForCancel: elapsed_ms %u, cancelled "
                    "after %.0f ms\n", c.elapsed, at - c.started);
            ck_assert_int_eq(c.st, RPC_S_OK);
            ck_assert_int_eq(c.result, 1);
            ck_assert_uint_ge(c.elapsed, 75);     /* see test_async_cancel_soft */
            ck_assert_uint_lt(c.elapsed, 10000);
        }
        RpcBindingFree(&c.h);
    }
}
END_TEST

/* ---- many calls in flight ---------------------------------------------------- */

static unsigned
count_threads(pid_t pid)
{
    char path[64];
    DIR *d;
    struct dirent *e;
    unsigned n = 0;

    snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
    if ((d = opendir(path)) == NULL)
        return 0;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

#define MANY 1000
#define WORKERS 4

START_TEST(test_async_thousand_in_flight)
{
    static const char *const extra[] = {"--max-threads", "4", "--max-calls", "2000",
                                        NULL};
    static RPC_ASYNC_STATE a[MANY];
    struct testsrv big;
    struct rlimit rl;
    RPC_BINDING_HANDLE h;
    rpctest_stats st;
    unsigned threads, max_threads = 0, done = 0, ok = 0, peak = 0;
    uint64_t v;
    double t0, sent, until;
    int efd = eventfd(0, EFD_CLOEXEC);

    /* 1,000 connections here (and there: the server inherits it). */
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 4 * MANY) {
        rl.rlim_cur = rl.rlim_max < 4 * MANY ? rl.rlim_max : 4 * MANY;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    ck_assert_int_ge(efd, 0);
    testsrv_start(&big, extra);
    h = bind_to(&big, _i);

    t0 = tu_now_ms();
    for (int i = 0; i < MANY; i++) {
        init_async(&a[i], RpcNotificationTypeEvent);
        a[i].u.hEvent = efd;            /* one counter for them all */
        ck_assert_int_eq(rpctest_async_wait_for_cancel_begin(h, &a[i], 120000),
                         RPC_S_OK);
    }
    sent = tu_now_ms();
    /* All in flight at once: the server holds them all outstanding (the
     * GetStats asking counts too), on at most 4 workers.  The calls wait
     * up to 2 minutes, so that a slow machine (or TSan) has time to get
     * them all there; then they are cancelled. */
    until = tu_now_ms() + 90000;
    do {
        ck_assert_int_eq(rpctest_get_stats(h, &st), RPC_S_OK);
        threads = count_threads(big.pid);
        if (threads > max_threads)
            max_threads = threads;
        if (st.current_calls > peak)
            peak = st.current_calls;
    } while (peak < MANY + 1 && tu_now_ms() < until && (usleep(10000), 1));
    fprintf(stderr, "%d async calls sent in %.0f ms; server: %u calls at once, "
            "%u threads\n", MANY, sent - t0, peak, threads);
    ck_assert_uint_eq(peak, MANY + 1);
    /* Each ends with the server's answer to its co_cancel (result 1). */
    for (int i = 0; i < MANY; i++)
        ck_assert_int_eq(RpcAsyncCancelCall(&a[i], 0), RPC_S_OK);

    until = tu_now_ms() + 90000;
    while (done < MANY && tu_now_ms() < until) {
        struct pollfd p = {.fd = efd, .events = POLLIN};

        threads = count_threads(big.pid);
        if (threads > max_threads)
            max_threads = threads;
        if (poll(&p, 1, 100) == 1 && read(efd, &v, sizeof(v)) == (ssize_t)sizeof(v))
            done += (unsigned)v;
    }
    ck_assert_uint_eq(done, MANY);
    for (int i = 0; i < MANY; i++) {
        uint32_t elapsed = 0;
        int32_t result = -1;

        if (rpctest_async_wait_for_cancel_finish(&a[i], h, &elapsed, &result) == RPC_S_OK &&
            result == 1 && elapsed < 120000)
            ok++;
    }
    fprintf(stderr, "%d async calls done in %.0f ms, %u correct; server threads "
            "at most %u (%d workers)\n", MANY, tu_now_ms() - t0, ok, max_threads,
            WORKERS);
    ck_assert_uint_eq(ok, MANY);
    /* Workers + I/O thread + main + the rpctest driver + a margin. */
    ck_assert_uint_le(max_threads, WORKERS + 6);
    RpcBindingFree(&h);
    testsrv_stop(&big);
    close(efd);
}
END_TEST

/* The server dies with calls in flight: each completes with
 * RPC_S_CALL_FAILED, none hangs. */
START_TEST(test_async_server_dies)
{
    struct testsrv dying;
    RPC_BINDING_HANDLE h;
    RPC_ASYNC_STATE a[8];

    testsrv_start(&dying, NULL);
    h = bind_to(&dying, _i);
    for (int i = 0; i < 8; i++) {
        init_async(&a[i], RpcNotificationTypeNone);
        ck_assert_int_eq(rpctest_async_wait_for_cancel_begin(h, &a[i], 30000), RPC_S_OK);
    }
    usleep(200000);
    ck_assert_int_eq(RpcAsyncGetCallStatus(&a[0]), RPC_S_ASYNC_CALL_PENDING);
    testsrv_kill(&dying);
    for (int i = 0; i < 8; i++) {
        ck_assert_int_eq(wait_done(&a[i]), RPC_S_CALL_FAILED);
        ck_assert_int_eq(RpcAsyncCompleteCall(&a[i], NULL), RPC_S_CALL_FAILED);
    }
    RpcBindingFree(&h);
    testsrv_stop(&dying);           /* removes its socket directory */
}
END_TEST

Suite *
async_suite(void)
{
    Suite *s = suite_create("async");
    TCase *tc = tcase_create("client");

    tcase_set_timeout(tc, 120);
    tcase_add_unchecked_fixture(tc, srv_up, srv_down);
    tcase_add_loop_test(tc, test_async_statuses, 0, 2);
    tcase_add_loop_test(tc, test_async_fault_and_unreachable, 0, 2);
    tcase_add_loop_test(tc, test_async_event_fd, 0, 2);
    tcase_add_loop_test(tc, test_async_callback, 0, 2);
    tcase_add_loop_test(tc, test_async_cancel_soft, 0, 2);
    tcase_add_loop_test(tc, test_async_cancel_abort, 0, 2);
    tcase_add_loop_test(tc, test_sync_client_cancels_async, 0, 2);
    suite_add_tcase(s, tc);

    tc = tcase_create("many");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, test_async_thousand_in_flight, 0, 2);
    tcase_add_loop_test(tc, test_async_server_dies, 0, 2);
    suite_add_tcase(s, tc);
    return s;
}
