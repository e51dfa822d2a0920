/*
 * tests/check_buf.c -- libclient/clt_buf.c, the message buffers both
 * libraries take from I_RpcrtBufAlloc: a small buffer a thread frees is
 * the next one it is handed, a large one comes back from the process-wide
 * cache, and many threads allocating, filling and freeing buffers (also
 * each other's) never get a buffer that another still holds.
 */
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "libclient/handle.h"
#include "tests/tests.h"

/* Under AddressSanitizer small buffers are plain mallocs of their exact
 * size (clt_buf.c): nothing is kept to be handed out again. */
#if defined(__SANITIZE_ADDRESS__)
#define SMALL_KEPT 0
#else
#define SMALL_KEPT 1
#endif

START_TEST(test_buf_small_reused)
{
    uint8_t *p = I_RpcrtBufAlloc(8), *q;

    ck_assert_ptr_nonnull(p);
    memset(p, 0xab, 8);
    I_RpcrtBufFree(p);
    q = I_RpcrtBufAlloc(500);
    ck_assert_ptr_nonnull(q);
    ck_assert_uint_ge(malloc_usable_size(q), 500);
    if (SMALL_KEPT)
        ck_assert_ptr_eq(q, p);
    memset(q, 0xcd, 500);
    /* A buffer of the runtime may be freed with free() too. */
    free(q);
    p = I_RpcrtBufAlloc(0);
    ck_assert_ptr_nonnull(p);
    I_RpcrtBufFree(p);
    I_RpcrtBufFree(NULL);
}
END_TEST

START_TEST(test_buf_large_reused)
{
    /* An odd size, so that no block an earlier test left in the cache
     * fits better. */
    const size_t big = (3u << 20) + 12345;
    uint8_t *p = I_RpcrtBufAlloc(big), *q;

    ck_assert_ptr_nonnull(p);
    memset(p, 1, big);
    I_RpcrtBufFree(p);
    /* Within twice its size: the cached one. */
    q = I_RpcrtBufAlloc(big - 100);
    ck_assert_ptr_eq(q, p);
    ck_assert_uint_ge(malloc_usable_size(q), big - 100);
    I_RpcrtBufFree(q);
    /* Far smaller: not that one. */
    q = I_RpcrtBufAlloc(40000);
    ck_assert_ptr_nonnull(q);
    ck_assert_ptr_ne(q, p);
    I_RpcrtBufFree(q);
}
END_TEST

#define THREADS 16
#define ROUNDS 3000
#define HELD 6

/* A buffer passed between threads: each frees the one another left. */
static pthread_mutex_t pass_lock = PTHREAD_MUTEX_INITIALIZER;
static uint8_t *pass_buf;
static size_t pass_len;
static uint8_t pass_tag;

struct churn {
    unsigned seed;
    int bad;
};

static size_t
some_size(unsigned *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    switch ((*seed >> 16) % 8) {
    case 0:
        return 0;
    case 1:
        return 1008;
    case 2:
        return 1009 + (*seed >> 8) % 3000;     /* just past the small ones */
    case 3:
        return 70000;
    default:
        return (*seed >> 8) % 1008;
    }
}

static int
intact(const uint8_t *p, size_t n, uint8_t tag)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != tag)
            return 0;
    return 1;
}

static void *
churn_thread(void *arg)
{
    struct churn *w = arg;
    uint8_t *held[HELD] = {0};
    size_t len[HELD] = {0};
    uint8_t tag[HELD] = {0};

    for (int r = 0; r < ROUNDS && !w->bad; r++) {
        int i = r % HELD;

        if (held[i] != NULL) {
            /* Still what this thread wrote: nobody else was handed it. */
            if (!intact(held[i], len[i], tag[i]))
                w->bad = 1;
            I_RpcrtBufFree(held[i]);
        }
        len[i] = some_size(&w->seed);
        tag[i] = (uint8_t)(w->seed >> 24);
        if ((held[i] = I_RpcrtBufAlloc(len[i])) == NULL) {
            w->bad = 1;
            break;
        }
        memset(held[i], tag[i], len[i]);
        if (r % 7 == 0) {
            /* Swap one with the passing slot: frees of another thread's
             * buffers. */
            pthread_mutex_lock(&pass_lock);
            uint8_t *b = pass_buf;
            size_t bl = pass_len;
            uint8_t bt = pass_tag;

            pass_buf = held[i];
            pass_len = len[i];
            pass_tag = tag[i];
            pthread_mutex_unlock(&pass_lock);
            held[i] = b;
            len[i] = bl;
            tag[i] = bt;
        }
    }
    for (int i = 0; i < HELD; i++) {
        if (held[i] != NULL && !intact(held[i], len[i], tag[i]))
            w->bad = 1;
        I_RpcrtBufFree(held[i]);
    }
    return NULL;
}

START_TEST(test_buf_threads_churn)
{
    pthread_t t[THREADS];
    struct churn w[THREADS];

    for (int i = 0; i < THREADS; i++) {
        w[i].seed = (unsigned)i * 7919u + 1;
        w[i].bad = 0;
        ck_assert_int_eq(pthread_create(&t[i], NULL, churn_thread, &w[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        ck_assert_msg(!w[i].bad, "thread %d found a buffer changed under it", i);
    }
    if (pass_buf != NULL)
        ck_assert(intact(pass_buf, pass_len, pass_tag));
    I_RpcrtBufFree(pass_buf);
    pass_buf = NULL;
}
END_TEST

Suite *
buf_suite(void)
{
    Suite *s = suite_create("buf");
    TCase *tc = tcase_create("buffers");

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_buf_small_reused);
    tcase_add_test(tc, test_buf_large_reused);
    tcase_add_test(tc, test_buf_threads_churn);
    suite_add_tcase(s, tc);
    return s;
}
