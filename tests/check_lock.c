/*
 * tests/check_lock.c -- libclient/lock.h, the mutex of the call path's
 * short critical sections: mutual exclusion under contention (threads
 * adding to a plain counter), and a waiter that sleeps while the lock
 * is held and is woken by the unlock (the futex path, past the spin).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "libclient/lock.h"
#include "tests/tests.h"

#define THREADS 4
#define ROUNDS 200000

static rpcrt_mutex mu = RPCRT_MUTEX_INITIALIZER;
static unsigned long counter;   /* plain: only the lock protects it */

static void *
adder(void *arg)
{
    (void)arg;
    for (int i = 0; i < ROUNDS; i++) {
        rpcrt_mutex_lock(&mu);
        counter++;
        rpcrt_mutex_unlock(&mu);
    }
    return NULL;
}

START_TEST(test_lock_excludes)
{
    pthread_t t[THREADS];

    counter = 0;
    for (int i = 0; i < THREADS; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, adder, NULL), 0);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    ck_assert_uint_eq(counter, (unsigned long)THREADS * ROUNDS);
    /* Left free. */
    ck_assert_int_eq(atomic_load(&mu.v), 0);
}
END_TEST

static atomic_int entered;

static void *
waiter(void *arg)
{
    rpcrt_mutex *m = arg;

    rpcrt_mutex_lock(m);
    atomic_store(&entered, 1);
    rpcrt_mutex_unlock(m);
    return NULL;
}

START_TEST(test_lock_waiter_sleeps_and_wakes)
{
    rpcrt_mutex m;
    pthread_t t;

    rpcrt_mutex_init(&m);
    atomic_store(&entered, 0);
    rpcrt_mutex_lock(&m);
    ck_assert_int_eq(pthread_create(&t, NULL, waiter, &m), 0);
    /* The waiter spins, then marks the lock waited for and sleeps. */
    for (int i = 0; i < 400 && atomic_load(&m.v) != 2; i++)
        usleep(5000);
    ck_assert_int_eq(atomic_load(&m.v), 2);
    ck_assert_int_eq(atomic_load(&entered), 0);
    rpcrt_mutex_unlock(&m);
    pthread_join(t, NULL);
    ck_assert_int_eq(atomic_load(&entered), 1);
    ck_assert_int_eq(atomic_load(&m.v), 0);
}
END_TEST

Suite *
lock_suite(void)
{
    Suite *s = suite_create("lock");
    TCase *tc = tcase_create("rpcrt_mutex");

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_lock_excludes);
    tcase_add_test(tc, test_lock_waiter_sleeps_and_wakes);
    suite_add_tcase(s, tc);
    return s;
}
