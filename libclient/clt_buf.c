/*
 * libclient/clt_buf.c -- a small process-wide cache of large message
 * buffers, for both libraries (I_RpcrtBufAlloc / I_RpcrtBufFree).
 *
 * A 1 MiB call allocates a 1 MiB request buffer and a 1 MiB reply buffer
 * on each side and frees them before the next call.  Blocks that size come
 * from mmap, or from the top of a heap that glibc gives back to the
 * kernel on free (a thread arena's heap is trimmed with madvise), so every
 * call faulted in fresh pages: about 740 minor faults per 1 MiB Echo on
 * each side, most of its time.  Freed large buffers are kept here instead
 * (a few, bounded in bytes) and handed out again for the next buffer that
 * fits.  They are ordinary malloc blocks: one freed with free() instead of
 * coming back here is no error, it just misses the cache.
 *
 * Small buffers (SMALL_CAP bytes or less: a null call's request and reply
 * on each side) come from a few that each thread keeps when it frees
 * them: every small buffer is SMALL_CAP bytes, so any of them serves any
 * small request.  glibc's own per-thread cache costs some 40 instructions
 * a malloc and 85 a free here (callgrind); a null call's server request
 * and reply buffers and its client request buffer (which takes the reply)
 * now cost a few each.  A thread's kept buffers are freed when it ends (a
 * key destructor).  Under AddressSanitizer every buffer is a plain malloc of
 * its exact size, so that a write past the size asked for is caught.
 */
#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>

#include "libclient/clt.h"

/* Buffers from BUF_MIN to BUF_MAX bytes are cached, BUF_SLOTS of them and
 * BUF_TOTAL bytes at most; a request takes a cached one at most twice its
 * size. */
#define BUF_MIN   ((size_t)64 * 1024)
#define BUF_MAX   ((size_t)8 * 1024 * 1024)
#define BUF_TOTAL ((size_t)16 * 1024 * 1024)
#define BUF_SLOTS 6

#if defined(__SANITIZE_ADDRESS__)
#define SMALL_CACHE 0
#else
#define SMALL_CACHE 1
#endif
/* Small buffers: SMALL_CAP bytes (a 1 KiB malloc chunk), SMALL_SLOTS kept
 * per thread. */
#define SMALL_CAP   ((size_t)1008)
#define SMALL_SLOTS 4

struct small_cache {
    void *p[SMALL_SLOTS];
    unsigned n;
    int state;              /* 0: not yet registered, 1: keeping, -1: off */
};

static RPCRT_TLS struct small_cache tls_small;
static pthread_key_t small_key;
static pthread_once_t small_once = PTHREAD_ONCE_INIT;
static int small_key_ok;

/* The thread ends: what it kept is freed, and it keeps nothing more
 * (other destructors may still free buffers). */
static void
small_gone(void *arg)
{
    struct small_cache *sc = arg;

    sc->state = -1;
    while (sc->n > 0)
        free(sc->p[--sc->n]);
}

static void
small_make_key(void)
{
    small_key_ok = pthread_key_create(&small_key, small_gone) == 0;
}

/* Keeps p, a small buffer, for the calling thread: 1, or 0 when it does
 * not keep it (the caller frees it). */
static int
small_keep(void *p)
{
    struct small_cache *sc = &tls_small;

    if (sc->state == 0) {
        pthread_once(&small_once, small_make_key);
        sc->state = small_key_ok && pthread_setspecific(small_key, sc) == 0 ? 1 : -1;
    }
    if (sc->state != 1 || sc->n == SMALL_SLOTS)
        return 0;
    sc->p[sc->n++] = p;
    return 1;
}

static pthread_mutex_t buf_lock = PTHREAD_MUTEX_INITIALIZER;
static void *buf_p[BUF_SLOTS];
static size_t buf_size[BUF_SLOTS];
static size_t buf_total;

RPCRT_INTERNAL void *
I_RpcrtBufAlloc(size_t n)
{
    void *p = NULL;

    if (n == 0)
        n = 1;
    if (SMALL_CACHE && n <= SMALL_CAP) {
        struct small_cache *sc = &tls_small;

        if (sc->n > 0)
            return sc->p[--sc->n];
        return malloc(SMALL_CAP);
    }
    if (n >= BUF_MIN / 2 && n <= BUF_MAX) {
        int best = -1;

        pthread_mutex_lock(&buf_lock);
        for (int i = 0; i < BUF_SLOTS; i++)
            if (buf_p[i] != NULL && buf_size[i] >= n && buf_size[i] / 2 <= n &&
                (best < 0 || buf_size[i] < buf_size[best]))
                best = i;
        if (best >= 0) {
            p = buf_p[best];
            buf_p[best] = NULL;
            buf_total -= buf_size[best];
        }
        pthread_mutex_unlock(&buf_lock);
        if (p != NULL)
            return p;
    }
    return malloc(n);
}

RPCRT_INTERNAL void
I_RpcrtBufFree(void *p)
{
    void *evict = NULL;
    size_t size;
    int slot = -1;

    if (p == NULL)
        return;
    size = malloc_usable_size(p);
    if (SMALL_CACHE && size >= SMALL_CAP && size < 2 * SMALL_CAP && small_keep(p))
        return;
    if (size < BUF_MIN || size > BUF_MAX) {
        free(p);
        return;
    }
    pthread_mutex_lock(&buf_lock);
    for (int i = 0; i < BUF_SLOTS; i++) {
        if (buf_p[i] == NULL) {
            slot = i;
            break;
        }
        if (slot < 0 || buf_size[i] < buf_size[slot])
            slot = i;               /* else evict the smallest */
    }
    if (buf_p[slot] != NULL) {
        if (buf_size[slot] >= size) {
            slot = -1;              /* all bigger than this one: keep them */
        } else {
            evict = buf_p[slot];
            buf_total -= buf_size[slot];
            buf_p[slot] = NULL;
        }
    }
    if (slot >= 0 && buf_total + size <= BUF_TOTAL) {
        buf_p[slot] = p;
        buf_size[slot] = size;
        buf_total += size;
        p = NULL;
    }
    pthread_mutex_unlock(&buf_lock);
    free(evict);
    free(p);
}
