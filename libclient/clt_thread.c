/*
 * libclient/clt_thread.c -- per-thread client state and the registry
 * RpcCancelThread searches.
 *
 * A thread gets its state the first time it enters the runtime; a
 * pthread key destructor removes it when the thread ends, so a stale
 * pthread_t never finds freed state.
 */
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "libclient/clt.h"

static pthread_mutex_t threads_lock = PTHREAD_MUTEX_INITIALIZER;
static struct clt_thread *threads;
static pthread_key_t thread_key;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static int key_ok;
/* This thread's state, as the key holds it: found without pthread_once
 * and pthread_getspecific (some 30 instructions a call). */
static RPCRT_TLS struct clt_thread *tls_ts;

static void
thread_gone(void *p)
{
    struct clt_thread *ts = p, **pp;

    tls_ts = NULL;
    /* A pin left by an I_RpcGetBuffer that no send or I_RpcFreeBuffer
     * followed: its reference goes with the thread. */
    I_RpcrtHandleUnpin();

    pthread_mutex_lock(&threads_lock);
    for (pp = &threads; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == ts) {
            *pp = ts->next;
            break;
        }
    }
    pthread_mutex_unlock(&threads_lock);
    if (ts->wake_fd >= 0)
        close(ts->wake_fd);
    free(ts);
}

static void
make_key(void)
{
    key_ok = pthread_key_create(&thread_key, thread_gone) == 0;
}

struct clt_thread *
clt_thread_peek(void)
{
    return tls_ts;
}

struct clt_thread *
clt_thread_self(void)
{
    struct clt_thread *ts = tls_ts;

    if (ts != NULL)
        return ts;
    pthread_once(&key_once, make_key);
    if (!key_ok)
        return NULL;
    if ((ts = pthread_getspecific(thread_key)) != NULL)
        return tls_ts = ts;
    if ((ts = calloc(1, sizeof(*ts))) == NULL)
        return NULL;
    ts->tid = pthread_self();
    ts->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    ts->cancel_timeout = RPC_C_CANCEL_INFINITE_TIMEOUT;
    ts->blk_fd = -1;
    rpcrt_mutex_init(&ts->lock);
    if (ts->wake_fd < 0 || pthread_setspecific(thread_key, ts) != 0) {
        if (ts->wake_fd >= 0)
            close(ts->wake_fd);
        free(ts);
        return NULL;
    }
    pthread_mutex_lock(&threads_lock);
    ts->next = threads;
    threads = ts;
    pthread_mutex_unlock(&threads_lock);
    return tls_ts = ts;
}

static void
drain(int fd)
{
    uint64_t v;

    while (read(fd, &v, sizeof(v)) > 0)
        ;
}

void
clt_thread_call_begin(struct clt_thread *ts)
{
    rpcrt_mutex_lock(&ts->lock);
    ts->in_call = 1;
    if (atomic_load_explicit(&ts->cancels, memory_order_relaxed) > 0)
        drain(ts->wake_fd);
    atomic_store_explicit(&ts->cancels, 0, memory_order_relaxed);
    ts->call_timeout = ts->cancel_timeout;
    rpcrt_mutex_unlock(&ts->lock);
}

void
clt_thread_call_end(struct clt_thread *ts)
{
    rpcrt_mutex_lock(&ts->lock);
    ts->in_call = 0;
    /* Leave the wake fd quiet for the next call. */
    if (atomic_load_explicit(&ts->cancels, memory_order_relaxed) > 0)
        drain(ts->wake_fd);
    atomic_store_explicit(&ts->cancels, 0, memory_order_relaxed);
    rpcrt_mutex_unlock(&ts->lock);
}

unsigned
clt_thread_cancels(struct clt_thread *ts, long *timeout, struct timespec *since)
{
    unsigned n;

    rpcrt_mutex_lock(&ts->lock);
    /* The wake fd is written only with a cancel: no read() per look. */
    n = atomic_load_explicit(&ts->cancels, memory_order_relaxed);
    if (n > 0)
        drain(ts->wake_fd);
    if (timeout != NULL)
        *timeout = ts->call_timeout;
    if (since != NULL)
        *since = ts->first_cancel;
    rpcrt_mutex_unlock(&ts->lock);
    return n;
}

int
clt_thread_block_begin(struct clt_thread *ts, int fd, uint32_t call_id,
                       unsigned seen)
{
    int ok;

    rpcrt_mutex_lock(&ts->lock);
    ok = atomic_load_explicit(&ts->cancels, memory_order_relaxed) == seen;
    if (ok) {
        ts->blk_fd = fd;
        ts->blk_call_id = call_id;
        ts->blk_sent = 0;
        ts->blk_broken = 0;
    }
    rpcrt_mutex_unlock(&ts->lock);
    return ok;
}

unsigned
clt_thread_block_end(struct clt_thread *ts, int *broken)
{
    unsigned n;

    /* Once this returns no cancelling thread touches the connection. */
    rpcrt_mutex_lock(&ts->lock);
    ts->blk_fd = -1;
    n = ts->blk_sent;
    *broken = ts->blk_broken;
    ts->blk_sent = 0;
    ts->blk_broken = 0;
    rpcrt_mutex_unlock(&ts->lock);
    return n;
}

int
clt_thread_post_cancel(pthread_t tid, long timeout, int *found)
{
    struct clt_thread *ts;
    int posted = 0;

    *found = 0;
    pthread_mutex_lock(&threads_lock);
    for (ts = threads; ts != NULL; ts = ts->next) {
        if (pthread_equal(ts->tid, tid)) {
            *found = 1;
            rpcrt_mutex_lock(&ts->lock);
            if (ts->in_call) {
                uint64_t one = 1;
                if (atomic_fetch_add_explicit(&ts->cancels, 1,
                                              memory_order_release) == 0)
                    clock_gettime(CLOCK_MONOTONIC, &ts->first_cancel);
                if (timeout != CLT_KEEP_TIMEOUT)
                    ts->call_timeout = timeout;
                posted = 1;
                /* A thread blocked in recv for its reply does not see the
                 * wake fd: its co_cancel goes out from here, at once (its
                 * request is out, and it writes nothing until it has
                 * taken the lock this thread holds).  If the socket
                 * cannot take any of it now, the wake fd tells the caller
                 * at the end of its recv window. */
                int r = ts->blk_fd >= 0
                            ? clt_conn_co_cancel_now(ts->blk_fd, ts->blk_call_id)
                            : -1;
                if (r == 0)
                    ts->blk_sent++;
                else if (r == -2)
                    ts->blk_broken = 1;
                if (r != 0)
                    (void)!write(ts->wake_fd, &one, sizeof(one));
            }
            rpcrt_mutex_unlock(&ts->lock);
            break;
        }
    }
    pthread_mutex_unlock(&threads_lock);
    return posted;
}
