/*
 * tests/check_cancel.c -- cancellation end to end, through the public API
 * against a real rpctest-server, on both transports (_i: 0 TCP, 1
 * ncalrpc): RpcCancelThread, RpcMgmtSetCancelTimeout and what the server's
 * RpcServerTestCancel sees.  Timings are printed, and checked only with
 * bounds generous enough for a loaded machine; the benchmark measures
 * them precisely.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rpcrt/rpc.h>

#include "examples/rpctest_client.h"
#include "tests/tests.h"
#include "tests/testsrv.h"

#define CS(s) ((RPC_CSTR)(uintptr_t)(s))

static struct testsrv srv;

static void
srv_up(void)
{
    signal(SIGPIPE, SIG_IGN);
    testsrv_start(&srv, NULL);
}

static void
srv_down(void)
{
    testsrv_stop(&srv);
}

static RPC_BINDING_HANDLE
bind_transport(int lrpc)
{
    RPC_BINDING_HANDLE h = NULL;
    const char *sb = lrpc ? srv.lrpc : srv.tcp;

    ck_assert_int_eq(RpcBindingFromStringBinding(CS(sb), &h), RPC_S_OK);
    return h;
}

enum op { OP_WAIT, OP_WAIT_FAULT, OP_SLEEP };

struct caller {
    RPC_BINDING_HANDLE h;
    enum op op;
    uint32_t arg;
    long cancel_timeout;
    RPC_STATUS st;
    uint32_t elapsed;
    int32_t result;
    double started, ended;
    atomic_int in_flight;
    int then_sleep;          /* a second call after the first */
    RPC_STATUS st2;
};

static void *
caller_main(void *p)
{
    struct caller *c = p;

    ck_assert_int_eq(RpcMgmtSetCancelTimeout(c->cancel_timeout), RPC_S_OK);
    c->started = tu_now_ms();
    atomic_store(&c->in_flight, 1);
    switch (c->op) {
    case OP_WAIT:
        c->st = rpctest_wait_for_cancel(c->h, c->arg, &c->elapsed, &c->result);
        break;
    case OP_WAIT_FAULT:
        c->st = rpctest_wait_for_cancel_fault(c->h, c->arg, &c->result);
        break;
    case OP_SLEEP:
        c->st = rpctest_sleep(c->h, c->arg, &c->result);
        break;
    }
    c->ended = tu_now_ms();
    /* Cancels of the first call must not leak into the next one. */
    if (c->then_sleep)
        c->st2 = rpctest_sleep(c->h, 50, NULL);
    return NULL;
}

/* Starts a call on thread A, cancels it from here after delay_ms. */
static void
run_cancelled(struct caller *c, unsigned delay_ms, double *cancelled_at)
{
    pthread_t a;

    ck_assert_int_eq(pthread_create(&a, NULL, caller_main, c), 0);
    while (!atomic_load(&c->in_flight))
        usleep(1000);
    usleep(delay_ms * 1000);
    *cancelled_at = tu_now_ms();
    ck_assert_int_eq(RpcCancelThread(&a), RPC_S_OK);
    pthread_join(a, NULL);
}

START_TEST(test_cancel_wait_for_cancel)
{
    struct caller c = {.h = bind_transport(_i), .op = OP_WAIT, .arg = 10000,
                       .cancel_timeout = 5};
    double at;

    run_cancelled(&c, 200, &at);
    ck_assert_int_eq(c.st, RPC_S_OK);
    ck_assert_int_eq(c.result, 1);
    fprintf(stderr, "WaitForCancel: elapsed_ms %u (cancelled after %.0f ms), "
            "call returned %.1f ms after the cancel\n",
            c.elapsed, at - c.started, c.ended - at);
    /* elapsed_ms is about the time of the cancel: well under the 10 s
     * timeout, and not before the cancel -- a quarter of the 200 ms, as the
     * routine starts only when the server gets to the request, late on a
     * loaded machine. */
    ck_assert_uint_ge(c.elapsed, 50);
    ck_assert_uint_lt(c.elapsed, 5000);
    RpcBindingFree(&c.h);
}
END_TEST

START_TEST(test_cancel_wait_for_cancel_fault)
{
    struct caller c = {.h = bind_transport(_i), .op = OP_WAIT_FAULT, .arg = 10000,
                       .cancel_timeout = 5};
    double at;

    run_cancelled(&c, 200, &at);
    ck_assert_int_eq(c.st, RPC_S_CALL_CANCELLED);
    ck_assert_double_lt(c.ended - at, 5000);
    /* The binding (and its pooled connection) still works. */
    int32_t codes[3];
    ck_assert_int_eq(rpctest_self_test(c.h, codes), RPC_S_OK);
    RpcBindingFree(&c.h);
}
END_TEST

START_TEST(test_cancel_timeout_orphans)
{
    struct caller c = {.h = bind_transport(_i), .op = OP_SLEEP, .arg = 3000,
                       .cancel_timeout = 1};
    rpctest_stats before, after;
    RPC_BINDING_HANDLE h2 = bind_transport(_i);
    double at;

    ck_assert_int_eq(rpctest_get_stats(h2, &before), RPC_S_OK);
    run_cancelled(&c, 200, &at);
    ck_assert_int_eq(c.st, RPC_S_CALL_FAILED);
    fprintf(stderr, "cancel timeout 1 s: call failed %.0f ms after start, "
            "%.0f ms after the cancel\n", c.ended - c.started, c.ended - at);
    /* About 1.2 s after the start: at least the timeout after the cancel,
     * and long before the 3 s sleep ends. */
    ck_assert_double_ge(c.ended - at, 950);
    ck_assert_double_lt(c.ended - at, 2900);
    /* The server routine ran to its end and the server saw the orphan. */
    double deadline = tu_now_ms() + 15000;
    do {
        usleep(100 * 1000);
        ck_assert_int_eq(rpctest_get_stats(h2, &after), RPC_S_OK);
    } while ((after.sleeps_completed == before.sleeps_completed ||
              after.orphans_seen == before.orphans_seen) && tu_now_ms() < deadline);
    ck_assert_uint_gt(after.sleeps_completed, before.sleeps_completed);
    ck_assert_uint_gt(after.orphans_seen, before.orphans_seen);
    RpcBindingFree(&c.h);
    RpcBindingFree(&h2);
}
END_TEST

START_TEST(test_cancel_timeout_zero)
{
    struct caller c = {.h = bind_transport(_i), .op = OP_SLEEP, .arg = 2000,
                       .cancel_timeout = 0};
    double at;

    run_cancelled(&c, 100, &at);
    ck_assert_int_eq(c.st, RPC_S_CALL_FAILED);
    ck_assert_double_lt(c.ended - at, 1500);
    RpcBindingFree(&c.h);
}
END_TEST

/* With a recv window longer than the call (RPCRT_RECV_WINDOW_MS), the
 * caller is still in its first, blocking recv when the cancel comes: the
 * cancelling thread writes the co_cancel itself.  The routine sees it
 * (result 1, long before its 10 s timeout); without that write the
 * caller could send it only after the routine returned uncancelled.
 * (TCP; over ncalrpc, which never blocks in recv, the same holds through
 * the poll.) */
START_TEST(test_cancel_in_recv_window)
{
    struct caller c = {.op = OP_WAIT, .arg = 10000, .cancel_timeout = 5};
    double at;

    setenv("RPCRT_RECV_WINDOW_MS", "30000", 1);
    c.h = bind_transport(_i);
    run_cancelled(&c, 200, &at);
    unsetenv("RPCRT_RECV_WINDOW_MS");
    ck_assert_int_eq(c.st, RPC_S_OK);
    ck_assert_int_eq(c.result, 1);
    ck_assert_uint_lt(c.elapsed, 5000);
    /* The connection goes on serving calls. */
    int32_t codes[3];
    ck_assert_int_eq(rpctest_self_test(c.h, codes), RPC_S_OK);
    RpcBindingFree(&c.h);
}
END_TEST

static void *
idle_thread(void *p)
{
    atomic_int *stop = p;

    while (!atomic_load(stop))
        usleep(1000);
    return NULL;
}

static void *
nothing(void *p)
{
    return p;
}

START_TEST(test_cancel_api_statuses)
{
    pthread_t t, dead;
    atomic_int stop = 0;
    RPC_BINDING_HANDLE h = bind_transport(_i);
    int32_t ret;

    ck_assert_int_eq(RpcCancelThread(NULL), RPC_S_INVALID_ARG);
    ck_assert_int_eq(RpcCancelThreadEx(NULL, 1), RPC_S_INVALID_ARG);
    ck_assert_int_eq(RpcMgmtSetCancelTimeout(-2), RPC_S_INVALID_TIMEOUT);
    ck_assert_int_eq(RpcCancelThreadEx(&t, -2), RPC_S_INVALID_TIMEOUT);
    ck_assert_int_eq(RpcMgmtSetCancelTimeout(RPC_C_CANCEL_INFINITE_TIMEOUT), RPC_S_OK);
    ck_assert_int_eq(RpcMgmtSetCancelTimeout(0), RPC_S_OK);
    ck_assert_int_eq(RpcMgmtSetCancelTimeout(-1), RPC_S_OK);

    /* A live thread with no call: RPC_S_OK, nothing happens. */
    ck_assert_int_eq(pthread_create(&t, NULL, idle_thread, &stop), 0);
    ck_assert_int_eq(RpcCancelThread(&t), RPC_S_OK);
    atomic_store(&stop, 1);
    pthread_join(t, NULL);
    /* Ourselves, with no call in progress: our next call is unaffected. */
    pthread_t self = pthread_self();
    ck_assert_int_eq(RpcCancelThread(&self), RPC_S_OK);
    ck_assert_int_eq(rpctest_sleep(h, 50, &ret), RPC_S_OK);
    /* A thread that has ended. */
    ck_assert_int_eq(pthread_create(&dead, NULL, nothing, NULL), 0);
    pthread_join(dead, NULL);
    ck_assert_int_eq(RpcCancelThread(&dead), RPC_S_INVALID_ARG);
    /* Garbage. */
    pthread_t garbage = (pthread_t)(uintptr_t)0x1000;
    ck_assert_int_eq(RpcCancelThread(&garbage), RPC_S_INVALID_ARG);
    RpcBindingFree(&h);
}
END_TEST

START_TEST(test_self_test_codes)
{
    RPC_BINDING_HANDLE h = bind_transport(_i);
    int32_t codes[3] = {0, 0, 0};

    ck_assert_int_eq(rpctest_self_test(h, codes), RPC_S_OK);
    ck_assert_int_eq(codes[0], RPC_S_NO_CALL_ACTIVE);
    ck_assert_int_eq(codes[1], RPC_S_CALL_IN_PROGRESS);
    ck_assert_int_eq(codes[2], RPC_S_INVALID_BINDING);
    RpcBindingFree(&h);
}
END_TEST

/* Several cancels of one call: each sends a co_cancel; the call still
 * completes once, with the routine's result. */
START_TEST(test_repeated_cancels)
{
    struct caller c = {.h = bind_transport(_i), .op = OP_WAIT, .arg = 10000,
                       .cancel_timeout = -1, .then_sleep = 1};
    pthread_t a;

    ck_assert_int_eq(pthread_create(&a, NULL, caller_main, &c), 0);
    while (!atomic_load(&c.in_flight))
        usleep(1000);
    usleep(100 * 1000);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(RpcCancelThread(&a), RPC_S_OK);
    pthread_join(a, NULL);
    ck_assert_int_eq(c.st, RPC_S_OK);
    ck_assert_int_eq(c.result, 1);
    ck_assert_int_eq(c.st2, RPC_S_OK);
    RpcBindingFree(&c.h);
}
END_TEST

Suite *
cancel_suite(void)
{
    Suite *s = suite_create("cancel");
    TCase *tc = tcase_create("end-to-end");

    tcase_set_timeout(tc, 120);
    tcase_add_unchecked_fixture(tc, srv_up, srv_down);
    tcase_add_loop_test(tc, test_cancel_wait_for_cancel, 0, 2);
    tcase_add_loop_test(tc, test_cancel_wait_for_cancel_fault, 0, 2);
    tcase_add_loop_test(tc, test_cancel_timeout_orphans, 0, 2);
    tcase_add_loop_test(tc, test_cancel_timeout_zero, 0, 2);
    tcase_add_loop_test(tc, test_cancel_api_statuses, 0, 2);
    tcase_add_loop_test(tc, test_self_test_codes, 0, 2);
    tcase_add_loop_test(tc, test_repeated_cancels, 0, 2);
    tcase_add_loop_test(tc, test_cancel_in_recv_window, 0, 2);
    suite_add_tcase(s, tc);
    return s;
}
