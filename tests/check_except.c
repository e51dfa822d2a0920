/*
 * tests/check_except.c -- the RpcTryExcept / RpcTryFinally macros and
 * RpcRaiseException (libclient/clt_except.c): handlers, filters that pass
 * an exception on, finally blocks on both paths, nesting.
 */
#include <pthread.h>

#include <rpcrt/rpc.h>

#include "tests/tests.h"

static void
raise_it(RPC_STATUS st)
{
    RpcRaiseException(st);
}

/* The frames are kept out of the test bodies: a function that calls
 * setjmp may not keep ordinary locals (Check's assertions have some)
 * across the longjmp. */
static void
catch_one(int raise, int *handled, int *after, RPC_STATUS *code)
{
    volatile int h = 0, a = 0;
    volatile RPC_STATUS c = 0;

    RpcTryExcept {
        if (raise)
            raise_it(RPC_S_CALL_CANCELLED);
        a = raise ? 1 : 2;          /* 1: never reached */
    } RpcExcept(1) {
        h = 1;
        c = RpcExceptionCode();
    } RpcEndExcept
    *handled = h;
    *after = a;
    *code = c;
}

START_TEST(test_except_catches)
{
    int handled, after;
    RPC_STATUS code;

    catch_one(1, &handled, &after, &code);
    ck_assert_int_eq(handled, 1);
    ck_assert_int_eq(after, 0);
    ck_assert_int_eq(code, RPC_S_CALL_CANCELLED);

    /* No exception: the handler does not run. */
    catch_one(0, &handled, &after, &code);
    ck_assert_int_eq(after, 2);
    ck_assert_int_eq(handled, 0);
}
END_TEST

static void
nested(int *inner, int *outer, RPC_STATUS *code)
{
    volatile int i = 0, o = 0;
    volatile RPC_STATUS c = 0;

    RpcTryExcept {
        RpcTryExcept {
            raise_it(5);
        } RpcExcept(RpcExceptionCode() == RPC_S_CALL_CANCELLED) {
            i = 1;                  /* not this code */
        } RpcEndExcept
    } RpcExcept(EXCEPTION_EXECUTE_HANDLER) {
        o = 1;
        c = RpcExceptionCode();
    } RpcEndExcept
    *inner = i;
    *outer = o;
    *code = c;
}

START_TEST(test_filter_passes_on)
{
    int inner, outer;
    RPC_STATUS code;

    nested(&inner, &outer, &code);
    ck_assert_int_eq(inner, 0);
    ck_assert_int_eq(outer, 1);
    ck_assert_int_eq(code, 5);
}
END_TEST

START_TEST(test_finally_both_paths)
{
    volatile int fin = 0, abnormal = -1, caught = 0;

    RpcTryFinally {
        fin = 0;
    } RpcFinally {
        fin = 1;
        abnormal = RpcAbnormalTermination();
    } RpcEndFinally
    ck_assert_int_eq(fin, 1);
    ck_assert_int_eq(abnormal, 0);

    fin = 0;
    RpcTryExcept {
        RpcTryFinally {
            raise_it(RPC_S_OUT_OF_MEMORY);
        } RpcFinally {
            fin = 1;
            abnormal = RpcAbnormalTermination();
        } RpcEndFinally
    } RpcExcept(1) {
        caught = (int)RpcExceptionCode();
    } RpcEndExcept
    ck_assert_int_eq(fin, 1);
    ck_assert_int_eq(abnormal, 1);
    ck_assert_int_eq(caught, RPC_S_OUT_OF_MEMORY);
}
END_TEST

static void *
unhandled(void *p)
{
    (void)p;
    raise_it(RPC_S_CALL_FAILED);    /* ends this thread only */
    return (void *)1;
}

START_TEST(test_unhandled_ends_thread_only)
{
    pthread_t t;
    void *ret = NULL;

    ck_assert_int_eq(pthread_create(&t, NULL, unhandled, NULL), 0);
    ck_assert_int_eq(pthread_join(t, &ret), 0);
    ck_assert_ptr_null(ret);        /* pthread_exit(NULL), not return */
}
END_TEST

Suite *
except_suite(void)
{
    Suite *s = suite_create("except");
    TCase *tc = tcase_create("macros");

    tcase_add_test(tc, test_except_catches);
    tcase_add_test(tc, test_filter_passes_on);
    tcase_add_test(tc, test_finally_both_paths);
    tcase_add_test(tc, test_unhandled_ends_thread_only);
    suite_add_tcase(s, tc);
    return s;
}
