/*
 * tests/check_handle.c -- libclient/handle.c's pins: the handle a thread
 * keeps at hand with a reference (a server call while its routine runs,
 * a client call's binding from I_RpcGetBuffer to the send).  A pin is
 * found without the registry while its handle is live, is refused once
 * it is retired, never replaces another thread's or its own other pin
 * (I_RpcrtHandlePinIfNone), and its reference goes when it is unpinned
 * or when its thread ends after it has used the client runtime.
 */
#include <pthread.h>
#include <stdatomic.h>

#include <rpcrt/rpc.h>

#include "libclient/handle.h"
#include "tests/tests.h"

static atomic_int destroyed;

static void
count_destroy(struct rpc_handle *h)
{
    (void)h;
    atomic_fetch_add(&destroyed, 1);
}

static const struct rpc_handle_ops counted_ops = {.destroy = count_destroy};

static unsigned
refs(struct rpc_handle *h)
{
    return atomic_load(&h->refs);
}

static int
ndestroyed(void)
{
    return atomic_load(&destroyed);
}

START_TEST(test_pin_if_none)
{
    struct rpc_handle a, b, *g;

    atomic_store(&destroyed, 0);
    ck_assert_int_eq(I_RpcrtHandleInit(&a, RPC_HANDLE_CLIENT_BINDING, &counted_ops), RPC_S_OK);
    ck_assert_int_eq(I_RpcrtHandleInit(&b, RPC_HANDLE_CLIENT_BINDING, &counted_ops), RPC_S_OK);
    I_RpcrtHandlePinIfNone(&a);
    I_RpcrtHandlePinIfNone(&b);                 /* a stays the pin */
    ck_assert_uint_eq(refs(&a), 2);
    ck_assert_uint_eq(refs(&b), 1);
    /* Both found, the pin and the registry's. */
    ck_assert_ptr_eq(g = I_RpcrtHandleGet(&a, RPC_HANDLE_CLIENT_BINDING), &a);
    I_RpcrtHandlePut(g);
    ck_assert_ptr_eq(g = I_RpcrtHandleGet(&b, RPC_HANDLE_ANY), &b);
    I_RpcrtHandlePut(g);
    /* The pin of the wrong kind is not found as that kind. */
    ck_assert_ptr_null(I_RpcrtHandleGet(&a, RPC_HANDLE_SERVER_CALL));
    I_RpcrtHandleUnpinIf(&b);                   /* not the pin: nothing */
    I_RpcrtHandleUnpinIf(NULL);
    ck_assert_uint_eq(refs(&a), 2);
    /* Retired while pinned: refused, kept by the pin until unpinned. */
    I_RpcrtHandleRetire(&a);
    ck_assert_ptr_null(I_RpcrtHandleGet(&a, RPC_HANDLE_ANY));
    ck_assert_int_eq(ndestroyed(), 0);
    I_RpcrtHandleUnpinIf(&a);
    ck_assert_int_eq(ndestroyed(), 1);
    /* No pin now: b becomes it. */
    I_RpcrtHandlePinIfNone(&b);
    ck_assert_uint_eq(refs(&b), 2);
    I_RpcrtHandleUnpin();
    I_RpcrtHandleRetire(&b);
    ck_assert_int_eq(ndestroyed(), 2);
}
END_TEST

static void *
pin_and_end(void *arg)
{
    /* A thread that has used the client runtime (its thread state, whose
     * destructor drops a pin left behind). */
    ck_assert_int_eq(RpcMgmtSetCancelTimeout(5), RPC_S_OK);
    I_RpcrtHandlePinIfNone(arg);
    return NULL;
}

START_TEST(test_pin_thread_ends)
{
    struct rpc_handle a;
    pthread_t t;

    atomic_store(&destroyed, 0);
    ck_assert_int_eq(I_RpcrtHandleInit(&a, RPC_HANDLE_CLIENT_BINDING, &counted_ops), RPC_S_OK);
    ck_assert_int_eq(pthread_create(&t, NULL, pin_and_end, &a), 0);
    ck_assert_int_eq(pthread_join(t, NULL), 0);
    ck_assert_uint_eq(refs(&a), 1);
    I_RpcrtHandleRetire(&a);
    ck_assert_int_eq(ndestroyed(), 1);
}
END_TEST

Suite *
handle_suite(void)
{
    Suite *s = suite_create("handle");
    TCase *tc = tcase_create("pins");

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_pin_if_none);
    tcase_add_test(tc, test_pin_thread_ends);
    suite_add_tcase(s, tc);
    return s;
}
